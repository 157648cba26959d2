// What a mesh can express. A TrafficPolicy that sets a feature the Destination's mesh has no
// equivalent for is rejected on that Destination, naming the field: never silently dropped.
import type { TrafficPolicyPolicy } from '../../api/networking/v1/traffic-policy.ts';

/** The policy fields of a TrafficPolicy, in the order features are translated. */
export const TRAFFIC_POLICY_FEATURES = [
  'requestTimeout',
  'retries',
  'corsPolicy',
  'faultInjection',
  'mirror',
  'headerManipulation',
  'trafficShift',
  'outlierDetection',
  'mtls',
  'csrf',
  'rateLimit',
] as const satisfies readonly (keyof TrafficPolicyPolicy)[];

export type TrafficPolicyFeature = (typeof TRAFFIC_POLICY_FEATURES)[number];

export interface MeshCapabilities {
  readonly meshName: string;
  readonly trafficPolicyFeatures: ReadonlySet<TrafficPolicyFeature>;
  /** Why a feature is missing, when there is more to say than "not supported". */
  readonly notes?: Partial<Record<TrafficPolicyFeature, string>>;
}

export function unsupportedFeatureErrors(policy: TrafficPolicyPolicy | undefined, mesh: MeshCapabilities): string[] {
  if (policy === undefined) return [];
  const errors: string[] = [];
  for (const feature of TRAFFIC_POLICY_FEATURES) {
    if (policy[feature] === undefined || mesh.trafficPolicyFeatures.has(feature)) continue;
    const note = mesh.notes?.[feature];
    errors.push(
      `spec.policy.${feature}: not supported for ${mesh.meshName} Destinations${note === undefined ? '' : ` (${note})`}`,
    );
  }
  return errors;
}

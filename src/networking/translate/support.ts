// What each mesh can express, declared by its translator. The support matrix (docs, `meshctl
// describe`) is generated from these declarations, and a TrafficPolicy that sets a feature its
// Destination's mesh declares unsupported is rejected there, naming the field and the mesh.
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

/** Features outside `spec.policy`: how a policy selects, and what a VirtualMesh or VirtualDestination asks. */
export const OTHER_FEATURES = [
  'requestMatchers',
  'sourceSelector',
  'accessPolicy',
  'sharedTrust',
  'federation',
  'globalAccessDeny',
  'failover',
] as const;

export type MeshFeature = TrafficPolicyFeature | (typeof OTHER_FEATURES)[number];

export const MESH_FEATURES: readonly MeshFeature[] = [...TRAFFIC_POLICY_FEATURES, ...OTHER_FEATURES];

/** Where each feature is set, for the matrix and for messages. */
export const FEATURE_FIELDS: Readonly<Record<MeshFeature, string>> = {
  requestTimeout: 'TrafficPolicy spec.policy.requestTimeout',
  retries: 'TrafficPolicy spec.policy.retries',
  corsPolicy: 'TrafficPolicy spec.policy.corsPolicy',
  faultInjection: 'TrafficPolicy spec.policy.faultInjection',
  mirror: 'TrafficPolicy spec.policy.mirror',
  headerManipulation: 'TrafficPolicy spec.policy.headerManipulation',
  trafficShift: 'TrafficPolicy spec.policy.trafficShift',
  outlierDetection: 'TrafficPolicy spec.policy.outlierDetection',
  mtls: 'TrafficPolicy spec.policy.mtls',
  csrf: 'TrafficPolicy spec.policy.csrf',
  rateLimit: 'TrafficPolicy spec.policy.rateLimit',
  requestMatchers: 'TrafficPolicy spec.httpRequestMatchers',
  sourceSelector: 'TrafficPolicy spec.sourceSelector',
  accessPolicy: 'AccessPolicy',
  sharedTrust: 'VirtualMesh spec.mtlsConfig.shared',
  federation: 'VirtualMesh spec.federation',
  globalAccessDeny: 'VirtualMesh spec.globalAccessPolicy: ENABLED',
  failover: 'VirtualDestination',
};

export type SupportLevel = 'supported' | 'partial' | 'unsupported';

export interface FeatureSupport {
  readonly level: SupportLevel;
  /** What the feature becomes in the mesh's configuration, or why it cannot. */
  readonly how: string;
}

export interface MeshSupport {
  /** The name users know the mesh by. */
  readonly meshName: string;
  readonly features: Readonly<Record<MeshFeature, FeatureSupport>>;
}

/** One error per feature the policy sets that the mesh cannot express. */
export function unsupportedFeatureErrors(policy: TrafficPolicyPolicy | undefined, support: MeshSupport): string[] {
  if (policy === undefined) return [];
  const errors: string[] = [];
  for (const feature of TRAFFIC_POLICY_FEATURES) {
    if (policy[feature] === undefined) continue;
    const declared = support.features[feature];
    if (declared.level !== 'unsupported') continue;
    errors.push(`spec.policy.${feature}: not supported for ${support.meshName} Destinations (${declared.how})`);
  }
  return errors;
}

/** Where a VirtualMesh or VirtualDestination sets a feature, as the field path its errors start with. */
const MEMBER_FEATURES: Readonly<Partial<Record<MeshFeature, { readonly path: string; readonly name: string }>>> = {
  sharedTrust: { path: 'spec.mtlsConfig.shared', name: 'shared trust' },
  federation: { path: 'spec.federation', name: 'federation' },
  globalAccessDeny: { path: 'spec.globalAccessPolicy', name: 'default deny' },
  failover: { path: 'spec', name: 'failover' },
};

/** The error a VirtualMesh or VirtualDestination reports for a feature a member mesh cannot express. */
export function unsupportedMemberFeature(feature: MeshFeature, support: MeshSupport, meshKey: string): string {
  const { path, name } = MEMBER_FEATURES[feature] ?? { path: 'spec', name: FEATURE_FIELDS[feature] };
  return `${path}: ${name} is not supported for ${support.meshName} Mesh ${meshKey} (${support.features[feature].how})`;
}

/** A declaration for every feature from one function: each key spelt out, so none can be missed. */
export function everyFeature(of: (feature: MeshFeature) => FeatureSupport): Record<MeshFeature, FeatureSupport> {
  return {
    requestTimeout: of('requestTimeout'),
    retries: of('retries'),
    corsPolicy: of('corsPolicy'),
    faultInjection: of('faultInjection'),
    mirror: of('mirror'),
    headerManipulation: of('headerManipulation'),
    trafficShift: of('trafficShift'),
    outlierDetection: of('outlierDetection'),
    mtls: of('mtls'),
    csrf: of('csrf'),
    rateLimit: of('rateLimit'),
    requestMatchers: of('requestMatchers'),
    sourceSelector: of('sourceSelector'),
    accessPolicy: of('accessPolicy'),
    sharedTrust: of('sharedTrust'),
    federation: of('federation'),
    globalAccessDeny: of('globalAccessDeny'),
    failover: of('failover'),
  };
}

// Status as Gloo Mesh 1.x reports it: on each policy its observedGeneration, overall state, the
// result per selected Destination and the source workloads it names; on each Destination the
// policies applied to it, in the order they claim fields.
import type { ApprovalState, ApprovalStatus } from '../api/common/selectors.ts';
import type { AccessPolicyStatus } from '../api/networking/v1/access-policy.ts';
import type { TrafficPolicyStatus } from '../api/networking/v1/traffic-policy.ts';
import type { DestinationStatus } from '../api/discovery/v1/destination.ts';
import { compareStrings, objectRef, statusKey } from './keys.ts';
import type { AccessPolicy, Destination, TrafficPolicy } from './model.ts';
import type { IndexedDestination } from './networking-index.ts';
import type { PolicyOutcome, RequiredSubset } from './translate/translator.ts';
import type { WorkloadSelection } from './validate/workload-selection.ts';

/** A policy's results on the Destinations it selected, with its place among the accepted ones. */
export interface DestinationResult {
  readonly destination: IndexedDestination;
  readonly outcome: PolicyOutcome;
  /** Position among the policies accepted on that Destination; undefined unless accepted. */
  readonly acceptanceOrder: number | undefined;
}

/** `['*']` stands for every workload (an empty source selector), so status size does not grow as policies × workloads. */
export const ALL_WORKLOADS = '*';

function overallState(policyErrors: readonly string[], results: readonly DestinationResult[]): ApprovalState {
  if (policyErrors.length > 0) return 'INVALID';
  if (results.some((r) => r.outcome.state === 'INVALID')) return 'INVALID';
  if (results.some((r) => r.outcome.state === 'FAILED')) return 'FAILED';
  return 'ACCEPTED';
}

function approval(result: DestinationResult): ApprovalStatus {
  return {
    ...(result.acceptanceOrder === undefined ? {} : { acceptanceOrder: result.acceptanceOrder }),
    state: result.outcome.state,
    ...(result.outcome.errors.length > 0 ? { errors: [...result.outcome.errors] } : {}),
    ...(result.outcome.warnings.length > 0 ? { warnings: [...result.outcome.warnings] } : {}),
  };
}

export function policyStatus(
  policy: TrafficPolicy | AccessPolicy,
  policyErrors: readonly string[],
  results: readonly DestinationResult[],
  workloads: WorkloadSelection | undefined,
): TrafficPolicyStatus & AccessPolicyStatus {
  const destinations: Record<string, ApprovalStatus> = {};
  for (const result of results) destinations[result.destination.statusKey] = approval(result);
  const workloadKeys =
    workloads === undefined ? [] : workloads === 'all' ? [ALL_WORKLOADS] : workloads.map((w) => w.statusKey); // the index keeps workloads in status-key order
  return {
    ...(policy.metadata.generation === undefined ? {} : { observedGeneration: policy.metadata.generation }),
    state: overallState(policyErrors, results),
    ...(results.length > 0 ? { destinations } : {}),
    ...(workloadKeys.length > 0 ? { workloads: workloadKeys } : {}),
    ...(policyErrors.length > 0 ? { errors: [...policyErrors] } : {}),
  };
}

export function destinationStatus(
  destination: Destination,
  localFqdn: string | undefined,
  trafficPolicies: readonly TrafficPolicy[],
  accessPolicies: readonly AccessPolicy[],
  requiredSubsets: readonly RequiredSubset[],
  appliedFederation?: DestinationStatus['appliedFederation'],
): DestinationStatus {
  const {
    appliedTrafficPolicies: _t,
    appliedAccessPolicies: _a,
    requiredSubsets: _r,
    appliedFederation: _f,
    ...kept
  } = destination.status ?? {};
  const generation = (p: TrafficPolicy | AccessPolicy) =>
    p.metadata.generation === undefined ? {} : { observedGeneration: p.metadata.generation };
  const subsetPolicies =
    requiredSubsets.length === 0
      ? []
      : [...new Set(requiredSubsets.map((s) => s.policy))].sort((a, b) => compareStrings(statusKey(a), statusKey(b)));
  return {
    ...kept,
    ...(kept.localFqdn === undefined && localFqdn !== undefined ? { localFqdn } : {}),
    ...(appliedFederation === undefined ? {} : { appliedFederation }),
    ...(trafficPolicies.length > 0
      ? { appliedTrafficPolicies: trafficPolicies.map((p) => ({ ref: objectRef(p), ...generation(p), spec: p.spec })) }
      : {}),
    ...(accessPolicies.length > 0
      ? { appliedAccessPolicies: accessPolicies.map((p) => ({ ref: objectRef(p), ...generation(p), spec: p.spec })) }
      : {}),
    ...(subsetPolicies.length > 0
      ? {
          requiredSubsets: subsetPolicies.map((p) => ({
            trafficPolicyRef: objectRef(p),
            ...generation(p),
            ...(p.spec.policy?.trafficShift === undefined ? {} : { trafficShift: p.spec.policy.trafficShift }),
          })),
        }
      : {}),
  };
}

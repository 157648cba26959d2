// retries → OSM Retry (policy.openservicemesh.io/v1alpha1). A Retry holds exactly one source service
// account and OSM has no wildcard source, so a policy becomes one Retry per source service account:
// those of the selected source workloads, or (no sourceSelector) those of every workload of the
// Destination's mesh in its cluster, which are all the clients OSM can route to it.
import type { WorkloadSelector } from '../../../api/common/selectors.ts';
import type { TrafficPolicyPolicy } from '../../../api/networking/v1/traffic-policy.ts';
import type { IndexedWorkload, NetworkingIndex } from '../../networking-index.ts';
import { durationMilliseconds } from '../../validate/durations.ts';
import { selectSourceWorkloads } from '../../validate/workload-selection.ts';
import type { RetryPolicySpec, ServiceAccountSubject } from './osm-types.ts';
import { meshWorkloads, workloadServiceAccounts } from './service-accounts.ts';
import { rejected, translated, type Translation } from './translation-result.ts';

type Retries = NonNullable<TrafficPolicyPolicy['retries']>;

/**
 * What a retry is for when a TrafficPolicy does not say (it has no such field): connection failures,
 * resets and 502/503/504, close to Istio's default of connection failures and 503.
 */
export const RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,gateway-error';
/** OSM's Retry requires a back-off; this is Envoy's own default base interval. */
export const RETRY_BACKOFF_BASE_INTERVAL = '25ms';
/** OSM's Retry requires perTryTimeout; Envoy treats 0 as unset (the route's timeout bounds every try). */
export const NO_PER_TRY_TIMEOUT = '0s';

export function translateRetries(retries: Retries): Translation<RetryPolicySpec> {
  const perTryTimeout = retries.perTryTimeout;
  if (perTryTimeout !== undefined) {
    const ms = durationMilliseconds(perTryTimeout);
    if (ms === undefined) return rejected([`spec.policy.retries.perTryTimeout: "${perTryTimeout}" is not a duration`]);
    if (ms < 1) return rejected([`spec.policy.retries.perTryTimeout: must be at least 1ms (got "${perTryTimeout}")`]);
  }
  const attempts = retries.attempts ?? 0;
  if (attempts < 0) return rejected([`spec.policy.retries.attempts: must not be negative (got ${attempts})`]);
  return translated({
    retryOn: RETRY_ON,
    perTryTimeout: perTryTimeout ?? NO_PER_TRY_TIMEOUT,
    numRetries: attempts,
    retryBackoffBaseInterval: RETRY_BACKOFF_BASE_INTERVAL,
  });
}

/** The source service accounts of a policy on one Destination, and how many selected workloads are elsewhere. */
export interface RetrySources {
  readonly serviceAccounts: readonly ServiceAccountSubject[];
  /** Selected workloads outside the Destination's cluster or mesh: OSM does not route them to it. */
  readonly elsewhere: number;
}

/**
 * The service accounts a Retry is written for: the sources in the Destination's cluster and mesh.
 * Sources elsewhere cannot reach the Destination through OSM and get no Retry.
 */
export function retrySources(
  selectors: readonly WorkloadSelector[] | undefined,
  meshKey: string,
  cluster: string,
  index: NetworkingIndex,
): RetrySources {
  const selection = selectSourceWorkloads(selectors, index);
  if (selection === 'all') {
    return { serviceAccounts: workloadServiceAccounts(meshWorkloads(meshKey, cluster, index)), elsewhere: 0 };
  }
  const inMesh = selection.filter((w: IndexedWorkload) => w.cluster === cluster && w.meshKey === meshKey);
  return { serviceAccounts: workloadServiceAccounts(inMesh), elsewhere: selection.length - inMesh.length };
}

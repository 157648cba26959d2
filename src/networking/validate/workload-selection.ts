// Which Workloads a policy's source side names: workload selectors (TrafficPolicy) and identity
// selectors (AccessPolicy). Used for the `workloads` list in policy status.
import type { IdentitySelector, WorkloadSelector } from '../../api/common/selectors.ts';
import { canonicalJson } from '../canonical-json.ts';
import { clusterObjectKey } from '../keys.ts';
import type { IndexedWorkload, NetworkingIndex } from '../networking-index.ts';
import { labelKey } from '../networking-index.ts';

type KubeWorkloadMatcher = NonNullable<WorkloadSelector['kubeWorkloadMatcher']>;

/** `'all'` when the selectors name every workload (no selector, or an empty one). */
export type WorkloadSelection = 'all' | readonly IndexedWorkload[];

function listed(values: readonly string[] | undefined, value: string): boolean {
  return values === undefined || values.length === 0 || values.includes(value);
}

export function kubeWorkloadMatches(matcher: KubeWorkloadMatcher, workload: IndexedWorkload): boolean {
  if (!listed(matcher.namespaces, workload.namespace) || !listed(matcher.clusters, workload.cluster)) return false;
  for (const [k, v] of Object.entries(matcher.labels ?? {})) {
    if (workload.labels[k] !== v) return false;
  }
  return true;
}

function isEmptyWorkloadMatcher(matcher: KubeWorkloadMatcher | undefined): boolean {
  return (
    matcher === undefined ||
    (Object.keys(matcher.labels ?? {}).length === 0 &&
      (matcher.namespaces ?? []).length === 0 &&
      (matcher.clusters ?? []).length === 0)
  );
}

/** The selected workloads in index order: most selections come from one index list and need no sort. */
function inIndexOrder(selected: ReadonlySet<IndexedWorkload>): IndexedWorkload[] {
  const list = [...selected];
  let previous = -1;
  for (const workload of list) {
    if (workload.order < previous) return list.sort((a, b) => a.order - b.order);
    previous = workload.order;
  }
  return list;
}

/** The index lists under some keys (namespaces, clusters), as a list of lists and their total length. */
function indexLists(
  keys: readonly string[],
  map: ReadonlyMap<string, readonly IndexedWorkload[]>,
): { readonly lists: (readonly IndexedWorkload[])[]; readonly size: number } {
  const lists = [...new Set(keys)].map((key) => map.get(key) ?? []);
  return { lists, size: lists.reduce((n, list) => n + list.length, 0) };
}

/** Source workloads of a TrafficPolicy. No selector, or an empty one, means every workload. */
export function selectSourceWorkloads(
  selectors: readonly WorkloadSelector[] | undefined,
  index: NetworkingIndex,
): WorkloadSelection {
  if (selectors === undefined || selectors.length === 0) return 'all';
  if (selectors.some((s) => isEmptyWorkloadMatcher(s.kubeWorkloadMatcher))) return 'all';
  const selected = new Set<IndexedWorkload>();
  for (const selector of selectors) {
    const matcher = selector.kubeWorkloadMatcher;
    if (matcher === undefined) continue;
    // Candidates from each constraint; only the smallest is scanned, filtered by all of them.
    const candidates = [{ lists: [index.workloads], size: index.workloads.length }];
    if ((matcher.namespaces ?? []).length > 0) {
      candidates.push(indexLists(matcher.namespaces ?? [], index.workloadsByNamespace));
    }
    if ((matcher.clusters ?? []).length > 0) {
      candidates.push(indexLists(matcher.clusters ?? [], index.workloadsByCluster));
    }
    for (const [k, v] of Object.entries(matcher.labels ?? {})) {
      const list = index.workloadsByLabel.get(labelKey(k, v)) ?? [];
      candidates.push({ lists: [list], size: list.length });
    }
    const smallest = candidates.reduce((a, b) => (b.size < a.size ? b : a));
    for (const list of smallest.lists) {
      for (const workload of list) if (kubeWorkloadMatches(matcher, workload)) selected.add(workload);
    }
  }
  return inIndexOrder(selected);
}

/**
 * True when a workload selector can match workloads of this cluster: a TrafficPolicy whose
 * sources all live in other clusters shapes no route in this cluster's own VirtualService.
 */
export function workloadSelectorCoversCluster(selector: WorkloadSelector, cluster: string): boolean {
  return listed(selector.kubeWorkloadMatcher?.clusters, cluster);
}

/** An identity selector that sets no namespace, cluster or service account names every identity. */
export function identitySelectorNamesAll(selector: IdentitySelector): boolean {
  const matcher = selector.kubeIdentityMatcher;
  return (
    (matcher === undefined || ((matcher.namespaces ?? []).length === 0 && (matcher.clusters ?? []).length === 0)) &&
    (selector.kubeServiceAccountRefs?.serviceAccounts ?? []).length === 0
  );
}

/**
 * Workloads running as one of the identities. No selector, or an empty one, means any identity.
 * Service-account references with a field left out match any value of it (as the API documents).
 */
export function selectIdentityWorkloads(
  selectors: readonly IdentitySelector[] | undefined,
  index: NetworkingIndex,
): WorkloadSelection {
  if (selectors === undefined || selectors.length === 0) return 'all';
  if (selectors.some(identitySelectorNamesAll)) return 'all';
  const selected = new Set<IndexedWorkload>();
  for (const selector of selectors) {
    const matcher = selector.kubeIdentityMatcher;
    // A matcher naming no namespace and no cluster adds nothing beside service-account references.
    if (matcher !== undefined && ((matcher.namespaces ?? []).length > 0 || (matcher.clusters ?? []).length > 0)) {
      const namespaces = matcher.namespaces ?? [];
      const candidates =
        namespaces.length > 0 ? indexLists(namespaces, index.workloadsByNamespace).lists : [index.workloads];
      for (const list of candidates) {
        for (const workload of list) {
          if (listed(matcher.clusters, workload.cluster)) selected.add(workload);
        }
      }
    }
    for (const ref of selector.kubeServiceAccountRefs?.serviceAccounts ?? []) {
      if (ref.name !== '' && ref.namespace !== undefined && ref.namespace !== '' && ref.clusterName) {
        for (const workload of index.workloadsByServiceAccount.get(
          clusterObjectKey(ref.clusterName, ref.namespace, ref.name),
        ) ?? []) {
          selected.add(workload);
        }
        continue;
      }
      for (const workload of index.workloads) {
        if (
          (ref.name === '' || ref.name === workload.serviceAccount) &&
          (ref.namespace === undefined || ref.namespace === '' || ref.namespace === workload.namespace) &&
          (ref.clusterName === undefined || ref.clusterName === '' || ref.clusterName === workload.cluster)
        ) {
          selected.add(workload);
        }
      }
    }
  }
  return inIndexOrder(selected);
}

/**
 * Workload selections memoized by selector shape: policies written with the same sources (one
 * namespace, one app) share one selection. One instance per pass; no global state.
 */
export function createWorkloadSelector<S>(
  select: (selectors: readonly S[] | undefined, index: NetworkingIndex) => WorkloadSelection,
  index: NetworkingIndex,
): (selectors: readonly S[] | undefined) => WorkloadSelection {
  const cache = new Map<string, WorkloadSelection>();
  return (selectors) => {
    if (selectors === undefined || selectors.length === 0) return select(selectors, index);
    const key = canonicalJson(selectors);
    let selection = cache.get(key);
    if (selection === undefined) {
      selection = select(selectors, index);
      cache.set(key, selection);
    }
    return selection;
  };
}

// Which Destinations a policy's destinationSelector picks. Matchers start from the smallest index
// list that constrains them (a namespace, a cluster or a label), so selecting costs what it returns.
import type { DestinationSelector } from '../../api/common/selectors.ts';
import { canonicalJson } from '../canonical-json.ts';
import { clusterObjectKey } from '../keys.ts';
import type { IndexedDestination, NetworkingIndex } from '../networking-index.ts';
import { labelKey } from '../networking-index.ts';

export interface DestinationSelection {
  /** Selected Destinations in index order, without duplicates. */
  readonly destinations: readonly IndexedDestination[];
  /** Reasons the selector is wrong as written (a reference to nothing, an empty selector). */
  readonly errors: readonly string[];
}

type KubeServiceMatcher = NonNullable<DestinationSelector['kubeServiceMatcher']>;
type ServiceRef = NonNullable<NonNullable<DestinationSelector['kubeServiceRefs']>['services']>[number];

/**
 * Evaluates destination selectors, memoized by selector shape: policies written with the same
 * selector (one namespace, one app) share one evaluation. One instance per pass; no global state.
 */
export function createDestinationSelector(index: NetworkingIndex) {
  const cache = new Map<string, DestinationSelection>();
  return (selectors: readonly DestinationSelector[] | undefined): DestinationSelection => {
    const key = canonicalJson(selectors ?? []);
    let result = cache.get(key);
    if (result === undefined) {
      result = selectDestinations(selectors ?? [], index);
      cache.set(key, result);
    }
    return result;
  };
}

/** Upstream semantics: no selector selects every Destination; several selectors are alternatives. */
export function selectDestinations(
  selectors: readonly DestinationSelector[],
  index: NetworkingIndex,
): DestinationSelection {
  if (selectors.length === 0) {
    return { destinations: index.destinations.filter((d) => d.service !== undefined), errors: [] };
  }
  const errors: string[] = [];
  const selected = new Set<IndexedDestination>();
  selectors.forEach((selector, i) => {
    const path = `spec.destinationSelector[${i}]`;
    if (selector.kubeServiceMatcher === undefined && selector.kubeServiceRefs === undefined) {
      errors.push(`${path}: set kubeServiceMatcher or kubeServiceRefs (an empty selector selects nothing)`);
      return;
    }
    if (selector.kubeServiceMatcher !== undefined) {
      for (const destination of matchKubeServices(selector.kubeServiceMatcher, index)) selected.add(destination);
    }
    (selector.kubeServiceRefs?.services ?? []).forEach((ref, j) => {
      const found = resolveServiceRef(ref, `${path}.kubeServiceRefs.services[${j}]`, index);
      if (typeof found === 'string') errors.push(found);
      else selected.add(found);
    });
  });
  return { destinations: [...selected].sort((a, b) => a.order - b.order), errors };
}

function resolveServiceRef(ref: ServiceRef, path: string, index: NetworkingIndex): IndexedDestination | string {
  const missing = (['name', 'namespace', 'clusterName'] as const).filter((field) => !ref[field]);
  if (missing.length > 0) return `${path}: ${missing.join(', ')} must be specified`;
  const found = index.destinationByService.get(clusterObjectKey(ref.clusterName ?? '', ref.namespace ?? '', ref.name));
  if (found === undefined) {
    return `${path}: no Destination for Service ${ref.namespace ?? ''}/${ref.name} in cluster ${ref.clusterName ?? ''}`;
  }
  return found;
}

/** All labels present with equal values, namespace and cluster among those listed (when listed). */
export function kubeServiceMatches(matcher: KubeServiceMatcher, destination: IndexedDestination): boolean {
  const service = destination.service;
  if (service === undefined) return false;
  const { namespaces, clusters, labels } = matcher;
  if (namespaces !== undefined && namespaces.length > 0 && !namespaces.includes(service.namespace)) return false;
  if (clusters !== undefined && clusters.length > 0 && !clusters.includes(service.cluster)) return false;
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (destination.labels[k] !== v) return false;
  }
  return true;
}

function matchKubeServices(matcher: KubeServiceMatcher, index: NetworkingIndex): IndexedDestination[] {
  // Candidate lists from each constraint; the smallest one is scanned and filtered by all of them.
  const candidates: (readonly IndexedDestination[])[] = [];
  const union = (keys: readonly string[], map: ReadonlyMap<string, readonly IndexedDestination[]>) => {
    const lists = [...new Set(keys)].map((key) => map.get(key) ?? []);
    return lists.length === 1 ? (lists[0] ?? []) : lists.flat();
  };
  if (matcher.namespaces !== undefined && matcher.namespaces.length > 0) {
    candidates.push(union(matcher.namespaces, index.destinationsByNamespace));
  }
  if (matcher.clusters !== undefined && matcher.clusters.length > 0) {
    candidates.push(union(matcher.clusters, index.destinationsByCluster));
  }
  for (const [k, v] of Object.entries(matcher.labels ?? {})) {
    candidates.push(index.destinationsByLabel.get(labelKey(k, v)) ?? []);
  }
  let smallest: readonly IndexedDestination[] = index.destinations;
  for (const list of candidates) if (list.length < smallest.length) smallest = list;
  return smallest.filter((destination) => kubeServiceMatches(matcher, destination));
}

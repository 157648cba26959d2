// Selectors and refs in words, for denial messages, `meshctl rbac can-i` and `meshctl describe role`.
import type { ClusterObjectRef, ObjectRef } from '../api/common/refs.ts';
import type { DestinationSelector, IdentitySelector, WorkloadSelector } from '../api/common/selectors.ts';
import { WILDCARD } from './selectors.ts';

function any(value: string | undefined): string {
  return value === undefined || value === '' || value === WILDCARD ? WILDCARD : value;
}

export function clusterRefWords(ref: ClusterObjectRef): string {
  return `${any(ref.name)}.${any(ref.namespace)}.${any(ref.clusterName)}`;
}

export function objectRefWords(ref: ObjectRef): string {
  return `${any(ref.namespace)}/${any(ref.name)}`;
}

interface Matcher {
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly namespaces?: readonly string[] | undefined;
  readonly clusters?: readonly string[] | undefined;
}

function listWords(what: string, values: readonly string[] | undefined): string | undefined {
  if (values === undefined || values.length === 0 || values.includes(WILDCARD)) return undefined;
  return `${what} ${values.join(', ')}`;
}

function matcherWords(noun: string, plural: string, matcher: Matcher): string {
  const labels = Object.entries(matcher.labels ?? {})
    .filter(([key, value]) => !(key === WILDCARD && value === WILDCARD))
    .map(([key, value]) => `${key}=${value}`);
  const parts = [
    labels.length === 0 ? undefined : `with labels ${labels.join(', ')}`,
    listWords('in namespaces', matcher.namespaces),
    listWords('on clusters', matcher.clusters),
  ].filter((part) => part !== undefined);
  return parts.length === 0 ? `any ${noun}` : `${plural} ${parts.join(' ')}`;
}

export function destinationSelectorWords(selector: DestinationSelector): string {
  const refs = selector.kubeServiceRefs?.services ?? [];
  const parts = [
    selector.kubeServiceMatcher === undefined
      ? undefined
      : matcherWords('Destination', 'Destinations', selector.kubeServiceMatcher),
    refs.length === 0 ? undefined : `destination ${refs.map(clusterRefWords).join(', ')}`,
  ].filter((part) => part !== undefined);
  return parts.length === 0 ? 'any Destination' : parts.join(' and ');
}

export function workloadSelectorWords(selector: WorkloadSelector): string {
  return matcherWords('Workload', 'Workloads', selector.kubeWorkloadMatcher ?? {});
}

export function identitySelectorWords(selector: IdentitySelector): string {
  const refs = selector.kubeServiceAccountRefs?.serviceAccounts ?? [];
  const parts = [
    selector.kubeIdentityMatcher === undefined
      ? undefined
      : matcherWords('identity', 'identities', selector.kubeIdentityMatcher),
    refs.length === 0 ? undefined : `service account ${refs.map(clusterRefWords).join(', ')}`,
  ].filter((part) => part !== undefined);
  return parts.length === 0 ? 'any identity' : parts.join(' and ');
}

/** An omitted policy selector list selects everything. */
export function selectorListWords<S>(
  selectors: readonly S[] | undefined,
  words: (s: S) => string,
  all: string,
): string {
  return selectors === undefined || selectors.length === 0 ? all : selectors.map(words).join('; ');
}

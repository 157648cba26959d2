// Whether a scope's selector permits a policy's selector. A scope lists, verbatim, what may be selected,
// except that an omitted (or empty) field allows any value and "*" matches any value. A policy field
// that is omitted selects everything, so only an unrestricted scope field permits it.
import type { ClusterObjectRef, ObjectRef } from '../api/common/refs.ts';
import type { DestinationSelector, IdentitySelector, WorkloadSelector } from '../api/common/selectors.ts';

export const WILDCARD = '*';

type Labels = Readonly<Record<string, string>>;
interface Matcher {
  readonly labels?: Labels | undefined;
  readonly namespaces?: readonly string[] | undefined;
  readonly clusters?: readonly string[] | undefined;
}

/** A single value: the scope's value is omitted, empty or "*", or equal to the policy's. */
export function valuePermits(allowed: string | undefined, value: string | undefined): boolean {
  return allowed === undefined || allowed === '' || allowed === WILDCARD || allowed === value;
}

/** A list such as namespaces or clusters; an omitted policy list means every value. */
export function listPermits(allowed: readonly string[] | undefined, values: readonly string[] | undefined): boolean {
  if (allowed === undefined || allowed.length === 0 || allowed.includes(WILDCARD)) return true;
  if (values === undefined || values.length === 0) return false;
  return values.every((value) => allowed.includes(value));
}

/**
 * Labels: every label of the policy matches an allowed entry (key and value, "*" for either), and
 * every allowed entry with a literal key is required, so a policy cannot select more by leaving one out.
 */
export function labelsPermit(allowed: Labels | undefined, labels: Labels | undefined): boolean {
  const entries = Object.entries(allowed ?? {});
  if (entries.length === 0 || entries.some(([key, value]) => key === WILDCARD && value === WILDCARD)) return true;
  const given = Object.entries(labels ?? {});
  const eachGivenAllowed = given.every(([key, value]) =>
    entries.some(([allowedKey, allowedValue]) => valuePermits(allowedKey, key) && valuePermits(allowedValue, value)),
  );
  const eachRequiredGiven = entries
    .filter(([key]) => key !== WILDCARD)
    .every(([key, value]) => labels?.[key] !== undefined && valuePermits(value, labels[key]));
  return eachGivenAllowed && eachRequiredGiven;
}

function matcherPermits(allowed: Matcher, matcher: Matcher): boolean {
  return (
    labelsPermit(allowed.labels, matcher.labels) &&
    listPermits(allowed.namespaces, matcher.namespaces) &&
    listPermits(allowed.clusters, matcher.clusters)
  );
}

export function clusterRefPermits(allowed: ClusterObjectRef, ref: ClusterObjectRef): boolean {
  return (
    valuePermits(allowed.name, ref.name) &&
    valuePermits(allowed.namespace, ref.namespace) &&
    valuePermits(allowed.clusterName, ref.clusterName)
  );
}

export function objectRefPermits(allowed: ObjectRef, ref: ObjectRef): boolean {
  return valuePermits(allowed.name, ref.name) && valuePermits(allowed.namespace, ref.namespace);
}

/** A scope's list of refs; an omitted (or empty) list allows any ref. */
export function refListPermits<R>(
  allowed: readonly R[] | undefined,
  ref: R,
  permits: (allowed: R, ref: R) => boolean,
): boolean {
  return allowed === undefined || allowed.length === 0 || allowed.some((entry) => permits(entry, ref));
}

/** A selector with neither matcher nor refs selects everything, like an empty matcher. */
export function destinationSelectorPermitted(
  allowed: readonly DestinationSelector[] | undefined,
  selector: DestinationSelector,
): boolean {
  if (allowed === undefined || allowed.length === 0) return true;
  const matcher = selector.kubeServiceMatcher ?? (selector.kubeServiceRefs === undefined ? {} : undefined);
  const matcherOk =
    matcher === undefined ||
    allowed.some(
      (entry) => entry.kubeServiceMatcher !== undefined && matcherPermits(entry.kubeServiceMatcher, matcher),
    );
  const refsOk = (selector.kubeServiceRefs?.services ?? []).every((ref) =>
    allowed.some((entry) => (entry.kubeServiceRefs?.services ?? []).some((a) => clusterRefPermits(a, ref))),
  );
  return matcherOk && refsOk;
}

export function workloadSelectorPermitted(
  allowed: readonly WorkloadSelector[] | undefined,
  selector: WorkloadSelector,
): boolean {
  if (allowed === undefined || allowed.length === 0) return true;
  const matcher = selector.kubeWorkloadMatcher ?? {};
  return allowed.some(
    (entry) => entry.kubeWorkloadMatcher !== undefined && matcherPermits(entry.kubeWorkloadMatcher, matcher),
  );
}

export function identitySelectorPermitted(
  allowed: readonly IdentitySelector[] | undefined,
  selector: IdentitySelector,
): boolean {
  if (allowed === undefined || allowed.length === 0) return true;
  const matcher = selector.kubeIdentityMatcher ?? (selector.kubeServiceAccountRefs === undefined ? {} : undefined);
  const matcherOk =
    matcher === undefined ||
    allowed.some(
      (entry) => entry.kubeIdentityMatcher !== undefined && matcherPermits(entry.kubeIdentityMatcher, matcher),
    );
  const refsOk = (selector.kubeServiceAccountRefs?.serviceAccounts ?? []).every((ref) =>
    allowed.some((entry) =>
      (entry.kubeServiceAccountRefs?.serviceAccounts ?? []).some((a) => clusterRefPermits(a, ref)),
    ),
  );
  return matcherOk && refsOk;
}

// The plan stage of a networking pass: everything decided before any mesh translates, on top of the
// index's lookups. Which Meshes each VirtualMesh groups, which Destinations are federated where,
// what each VirtualDestination points at, which Destinations each policy selects (and which
// policies apply nowhere). No mesh-specific output is decided here; the translators read the plan.
import { allowedRootNamespaces } from '../../certs/trust-policy.ts';
import type { AccessPolicy, Mesh, NetworkingInput, TrafficPolicy } from '../model.ts';
import type { IndexedDestination, NetworkingIndex } from '../networking-index.ts';
import type { MeshSupport } from '../translate/support.ts';
import { clusterObjectKey } from '../keys.ts';
import { createDestinationSelector, kubeServiceMatches } from '../validate/destination-selection.ts';
import { checkAccessPolicySpec, checkTrafficPolicySpec } from '../validate/policy-spec.ts';
import { planFederation } from './federation.ts';
import type {
  DestinationSelector,
  FederatedPlan,
  MembershipPlan,
  NetworkingPlan,
  PolicySelection,
} from './plan-model.ts';
import { planVirtualDestinations } from './virtual-destinations.ts';
import { decideMemberships } from './virtual-mesh-membership.ts';

export type { NetworkingPlan } from './plan-model.ts';

/** One policy's selection: its policy-level errors, or the Destinations it selects (in Destination order). */
export function selectPolicy<P extends TrafficPolicy | AccessPolicy>(
  policy: P,
  select: DestinationSelector,
  check: (policy: P) => string[],
): { readonly errors: readonly string[]; readonly selected: readonly IndexedDestination[] } {
  const selection = select(policy.spec.destinationSelector);
  const errors = [...selection.errors, ...check(policy)];
  if (errors.length === 0 && selection.destinations.length === 0) {
    errors.push('spec.destinationSelector: selects no Destination');
  }
  if (errors.length > 0) return { errors, selected: [] };
  return { errors, selected: [...selection.destinations].sort((a, b) => a.order - b.order) };
}

export const checkTrafficPolicy = (policy: TrafficPolicy): string[] => checkTrafficPolicySpec(policy.spec);
export const checkAccessPolicy = (policy: AccessPolicy): string[] => checkAccessPolicySpec(policy.spec);

/**
 * Whether `selectors` could select `destination` (or name its Service): a Destination added or
 * removed changes the selection, or the errors, of those policies only.
 */
export function couldSelect(
  selectors: TrafficPolicy['spec']['destinationSelector'],
  destination: IndexedDestination,
): boolean {
  if (destination.service === undefined) return false;
  if (selectors === undefined || selectors.length === 0) return true;
  for (const selector of selectors) {
    if (selector.kubeServiceMatcher !== undefined && kubeServiceMatches(selector.kubeServiceMatcher, destination))
      return true;
    for (const ref of selector.kubeServiceRefs?.services ?? []) {
      const key = clusterObjectKey(ref.clusterName ?? '', ref.namespace ?? '', ref.name);
      if (key === destination.serviceKey) return true;
    }
  }
  return false;
}

/** A policy's selection: its errors (then it selects nothing) or the Destinations it selects. */
export interface SelectionOf {
  readonly errors: readonly string[];
  readonly selected: readonly IndexedDestination[];
}

/**
 * The selections of an earlier pass, for a plan whose input differs in the Destinations `changed`
 * only (the entries of those removed, from the earlier index, and of those added, from the new one).
 */
export interface PreviousSelections {
  readonly traffic: ReadonlyMap<TrafficPolicy, SelectionOf>;
  readonly access: ReadonlyMap<AccessPolicy, SelectionOf>;
  readonly changed: readonly IndexedDestination[];
}

function selectPolicies<P extends TrafficPolicy | AccessPolicy>(
  policies: readonly P[],
  select: DestinationSelector,
  check: (policy: P) => string[],
  index: NetworkingIndex,
  previous:
    { readonly selections: ReadonlyMap<P, SelectionOf>; readonly changed: readonly IndexedDestination[] } | undefined,
): PolicySelection<P> {
  const errors = new Map<P, string[]>();
  const selectedOf = new Map<P, readonly IndexedDestination[]>();
  const byDestination = new Map<number, P[]>();
  // A policy selecting none of the changed Destinations keeps its errors, or its selection (the
  // same Destinations, by their entries in the new index: the order of those kept is unchanged).
  const kept = (policy: P): ReturnType<typeof selectPolicy> | undefined => {
    if (previous === undefined) return undefined;
    const was = previous.selections.get(policy);
    if (was === undefined) return undefined;
    for (const destination of previous.changed)
      if (couldSelect(policy.spec.destinationSelector, destination)) return undefined;
    if (was.errors.length > 0) return { errors: was.errors, selected: [] };
    const selected: IndexedDestination[] = [];
    for (const destination of was.selected) {
      const now = index.destinationByObject.get(destination.destination);
      if (now === undefined) return undefined;
      selected.push(now);
    }
    return { errors: [], selected };
  };
  for (const policy of policies) {
    const selection = kept(policy) ?? selectPolicy(policy, select, check);
    if (selection.errors.length > 0) {
      errors.set(policy, [...selection.errors]);
      continue;
    }
    selectedOf.set(policy, selection.selected);
    for (const destination of selection.selected) {
      const list = byDestination.get(destination.order);
      if (list === undefined) byDestination.set(destination.order, [policy]);
      else list.push(policy);
    }
  }
  return { errors, byDestination, selected: selectedOf };
}

export function planNetworking(
  index: NetworkingIndex,
  input: NetworkingInput,
  supportOf: (mesh: Mesh) => MeshSupport | undefined,
  previous?: PreviousSelections,
): NetworkingPlan {
  const virtualMeshes = decideMemberships(input.virtualMeshes, index.meshByKey, supportOf, {
    installNamespace: input.installNamespace,
    rootNamespaces: allowedRootNamespaces(input.installNamespace, index.settings),
  });
  const virtualMeshOfMesh = new Map<string, string>();
  for (const [meshKey, check] of virtualMeshes.byMesh) virtualMeshOfMesh.set(meshKey, check.key);
  const memberships: MembershipPlan = { ...index, virtualMeshes, virtualMeshOfMesh, supportOf };
  const select = createDestinationSelector(index);
  const federated: FederatedPlan = { ...memberships, federation: planFederation(memberships, virtualMeshes.checks) };
  return {
    ...federated,
    virtualDestinations: planVirtualDestinations(input.virtualDestinations, federated),
    selectDestinations: select,
    trafficSelection: selectPolicies(
      input.trafficPolicies,
      select,
      checkTrafficPolicy,
      index,
      previous === undefined ? undefined : { selections: previous.traffic, changed: previous.changed },
    ),
    accessSelection: selectPolicies(
      input.accessPolicies,
      select,
      checkAccessPolicy,
      index,
      previous === undefined ? undefined : { selections: previous.access, changed: previous.changed },
    ),
    rootCertificates: input.rootCertificates,
  };
}

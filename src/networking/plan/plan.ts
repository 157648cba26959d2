// The plan stage of a networking pass: everything decided before any mesh translates, on top of the
// index's lookups. Which Meshes each VirtualMesh groups, which Destinations are federated where,
// what each VirtualDestination points at, which Destinations each policy selects (and which
// policies apply nowhere). No mesh-specific output is decided here; the translators read the plan.
import { allowedRootNamespaces } from '../../certs/trust-policy.ts';
import type { AccessPolicy, Mesh, NetworkingInput, TrafficPolicy } from '../model.ts';
import type { IndexedDestination, NetworkingIndex } from '../networking-index.ts';
import type { MeshSupport } from '../translate/support.ts';
import { createDestinationSelector } from '../validate/destination-selection.ts';
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

function selectPolicies<P extends TrafficPolicy | AccessPolicy>(
  policies: readonly P[],
  select: DestinationSelector,
  check: (policy: P) => string[],
): PolicySelection<P> {
  const errors = new Map<P, string[]>();
  const selectedOf = new Map<P, readonly IndexedDestination[]>();
  const byDestination = new Map<number, P[]>();
  for (const policy of policies) {
    const selection = selectPolicy(policy, select, check);
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
    trafficSelection: selectPolicies(input.trafficPolicies, select, checkTrafficPolicy),
    accessSelection: selectPolicies(input.accessPolicies, select, checkAccessPolicy),
    rootCertificates: input.rootCertificates,
  };
}

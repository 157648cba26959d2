// The plan stage of a networking pass: everything decided before any mesh translates, on top of the
// index's lookups. Which Meshes each VirtualMesh groups, which Destinations are federated where,
// what each VirtualDestination points at, which Destinations each policy selects (and which
// policies apply nowhere). No mesh-specific output is decided here; the translators read the plan.
import { allowedRootNamespaces } from '../../certs/trust-policy.ts';
import type { AccessPolicy, Mesh, NetworkingInput, TrafficPolicy } from '../model.ts';
import type { NetworkingIndex } from '../networking-index.ts';
import type { MeshSupport } from '../translate/support.ts';
import { createDestinationSelector } from '../validate/destination-selection.ts';
import { checkAccessPolicySpec, checkTrafficPolicySpec } from '../validate/policy-spec.ts';
import { planFederation } from './federation.ts';
import type { FederatedPlan, MembershipPlan, NetworkingPlan, PolicySelection } from './plan-model.ts';
import { planVirtualDestinations } from './virtual-destinations.ts';
import { decideMemberships } from './virtual-mesh-membership.ts';

export type { NetworkingPlan } from './plan-model.ts';

function selectPolicies<P extends TrafficPolicy | AccessPolicy>(
  policies: readonly P[],
  index: NetworkingIndex,
  check: (policy: P) => string[],
): PolicySelection<P> {
  const select = createDestinationSelector(index);
  const errors = new Map<P, string[]>();
  const byDestination = new Map<number, P[]>();
  for (const policy of policies) {
    const selection = select(policy.spec.destinationSelector);
    const policyErrors = [...selection.errors, ...check(policy)];
    if (policyErrors.length === 0 && selection.destinations.length === 0) {
      policyErrors.push('spec.destinationSelector: selects no Destination');
    }
    if (policyErrors.length > 0) {
      errors.set(policy, policyErrors);
      continue;
    }
    for (const destination of selection.destinations) {
      const list = byDestination.get(destination.order);
      if (list === undefined) byDestination.set(destination.order, [policy]);
      else list.push(policy);
    }
  }
  return { errors, byDestination };
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
  const federated: FederatedPlan = { ...memberships, federation: planFederation(memberships, virtualMeshes.checks) };
  return {
    ...federated,
    virtualDestinations: planVirtualDestinations(input.virtualDestinations, federated),
    trafficSelection: selectPolicies(input.trafficPolicies, index, (p) => checkTrafficPolicySpec(p.spec)),
    accessSelection: selectPolicies(input.accessPolicies, index, (p) => checkAccessPolicySpec(p.spec)),
    rootCertificates: input.rootCertificates,
  };
}

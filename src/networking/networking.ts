// One networking pass, pure: which policy applies where (validate), the mesh configuration of every
// cluster (translate), and what happened, on every policy and Destination (status).
//
//   index the input once
//   → select each policy's Destinations (memoized by selector shape) and check its spec
//   → per Destination: order its policies, let its mesh's translator accept or reject each one
//   → per Destination: write outputs, with the subsets other Destinations' policies require of it
//   → status on every policy and Destination
// Work is proportional to (policies + Destinations + selected pairs + outputs).
import type { KubeObject } from '../api/meta.ts';
import { desiredIssuedCertificates } from '../certs/issued-certificates.ts';
import { sortObjects } from '../snapshot/order.ts';
import { compareStrings, objectRefKey, refKey } from './keys.ts';
import type { AccessPolicy, NetworkingInput, NetworkingResult, TrafficPolicy } from './model.ts';
import {
  indexNetworkingInput,
  type IndexedDestination,
  type IndexedWorkload,
  type NetworkingIndex,
} from './networking-index.ts';
import { destinationStatus, policyStatus, type DestinationResult } from './status.ts';
import { writeEastWestGateways } from './translate/istio/federation.ts';
import { writeGlobalAccessPolicy } from './translate/istio/global-access.ts';
import { localFqdn } from './translate/istio/hostnames.ts';
import { translatorFor } from './translate/mesh-translators.ts';
import type { DestinationDecision, RequiredSubset } from './translate/translator.ts';
import { createDestinationSelector } from './validate/destination-selection.ts';
import { appliedFederation } from './validate/federation.ts';
import { planVirtualDestinations } from './validate/virtual-destinations.ts';
import { meshWithStatus, virtualDestinationStatus, virtualMeshStatus } from './virtual-mesh-status.ts';
import { writeVirtualDestination } from './translate/istio/virtual-destination.ts';
import { orderPolicies } from './validate/policy-order.ts';
import { checkAccessPolicySpec, checkTrafficPolicySpec } from './validate/policy-spec.ts';
import {
  createWorkloadSelector,
  selectIdentityWorkloads,
  selectSourceWorkloads,
  type WorkloadSelection,
} from './validate/workload-selection.ts';

interface Selected<P> {
  /** Policy-level errors: the policy applies nowhere. */
  readonly errors: Map<P, string[]>;
  /** Destination order → policies selecting it. */
  readonly byDestination: Map<number, P[]>;
}

function selectPolicies<P extends TrafficPolicy | AccessPolicy>(
  policies: readonly P[],
  index: NetworkingIndex,
  check: (policy: P) => string[],
): Selected<P> {
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

function pushResult<P>(map: Map<P, DestinationResult[]>, policy: P, result: DestinationResult): void {
  const list = map.get(policy);
  if (list === undefined) map.set(policy, [result]);
  else list.push(result);
}

/** Workloads named by the policy's sources that share a mesh (or VirtualMesh) with a Destination it is accepted on. */
function sourceWorkloads(
  selection: WorkloadSelection,
  results: readonly DestinationResult[],
  index: NetworkingIndex,
): WorkloadSelection {
  if (selection === 'all') return 'all';
  const meshes = new Set<string>();
  const virtualMeshes = new Set<string>();
  for (const result of results) {
    if (result.outcome.state !== 'ACCEPTED') continue;
    const ref = result.destination.destination.spec.mesh;
    if (ref === undefined) continue;
    meshes.add(refKey(ref));
    const virtualMesh = index.virtualMeshOfMesh.get(refKey(ref));
    if (virtualMesh !== undefined) virtualMeshes.add(virtualMesh);
  }
  const shares = (w: IndexedWorkload) => {
    if (w.meshKey === undefined) return false;
    if (meshes.has(w.meshKey)) return true;
    const virtualMesh = index.virtualMeshOfMesh.get(w.meshKey);
    return virtualMesh !== undefined && virtualMeshes.has(virtualMesh);
  };
  // Selections are shared between policies (memoized): keep the list itself when all of it stays.
  return selection.every(shares) ? selection : selection.filter(shares);
}

export function translateNetworking(input: NetworkingInput): NetworkingResult {
  const index = indexNetworkingInput(input);
  const traffic = selectPolicies(input.trafficPolicies, index, (p) => checkTrafficPolicySpec(p.spec));
  const access = selectPolicies(input.accessPolicies, index, (p) => checkAccessPolicySpec(p.spec));

  const decisions: [IndexedDestination, DestinationDecision][] = [];
  const tpResults = new Map<TrafficPolicy, DestinationResult[]>();
  const apResults = new Map<AccessPolicy, DestinationResult[]>();
  const subsetsByTarget = new Map<IndexedDestination, RequiredSubset[]>();
  const appliedTraffic = new Map<IndexedDestination, TrafficPolicy[]>();
  const appliedAccess = new Map<IndexedDestination, AccessPolicy[]>();

  for (const destination of index.destinations) {
    const trafficPolicies = orderPolicies(traffic.byDestination.get(destination.order) ?? [], destination.statusKey);
    const accessPolicies = orderPolicies(access.byDestination.get(destination.order) ?? [], destination.statusKey);
    const decision = translatorFor(destination).decide(destination, trafficPolicies, accessPolicies, index);
    decisions.push([destination, decision]);
    let accepted = 0;
    const appliedTp: TrafficPolicy[] = [];
    for (const [policy, outcome] of decision.trafficPolicies) {
      const order = outcome.state === 'ACCEPTED' ? accepted++ : undefined;
      if (order !== undefined) appliedTp.push(policy);
      pushResult(tpResults, policy, { destination, outcome, acceptanceOrder: order });
    }
    accepted = 0;
    const appliedAp: AccessPolicy[] = [];
    for (const [policy, outcome] of decision.accessPolicies) {
      const order = outcome.state === 'ACCEPTED' ? accepted++ : undefined;
      if (order !== undefined) appliedAp.push(policy);
      pushResult(apResults, policy, { destination, outcome, acceptanceOrder: order });
    }
    if (appliedTp.length > 0) appliedTraffic.set(destination, appliedTp);
    if (appliedAp.length > 0) appliedAccess.set(destination, appliedAp);
    for (const subset of decision.requiredSubsets) {
      const list = subsetsByTarget.get(subset.target);
      if (list === undefined) subsetsByTarget.set(subset.target, [subset]);
      else list.push(subset);
    }
  }

  const outputsByCluster = new Map<string, KubeObject[]>();
  const addOutputs = (objects: readonly { readonly cluster: string; readonly object: KubeObject }[]) => {
    for (const { cluster, object } of objects) {
      const list = outputsByCluster.get(cluster);
      if (list === undefined) outputsByCluster.set(cluster, [object]);
      else list.push(object);
    }
  };
  for (const [destination, decision] of decisions) {
    addOutputs(decision.writeOutputs(subsetsByTarget.get(destination) ?? []));
  }
  // Per member Mesh of a VirtualMesh: the intermediate CA to issue, the gateway that accepts
  // federated traffic, default deny.
  const meshNotes = new Map<string, { errors: string[]; warnings: string[] }>();
  for (const check of index.virtualMeshes.checks) {
    const gatewayDestinations = new Map(
      check.members.map((mesh) => [
        objectRefKey(mesh),
        (index.federation.meshes.get(objectRefKey(mesh))?.gateways ?? []).map((g) => g.destination.destination),
      ]),
    );
    const trust = desiredIssuedCertificates({
      installNamespace: index.installNamespace,
      virtualMesh: check.virtualMesh,
      members: check.members,
      workloads: input.workloads,
      gatewayDestinations,
      ...(input.rootCertificates === undefined ? {} : { rootCertificates: input.rootCertificates }),
    });
    for (const meshTrust of trust.meshes) {
      addOutputs(meshTrust.objects.map((object) => ({ cluster: meshTrust.cluster, object })));
      if (meshTrust.errors.length > 0 || meshTrust.warnings.length > 0) {
        meshNotes.set(objectRefKey(meshTrust.mesh), {
          errors: [...meshTrust.errors],
          warnings: [...meshTrust.warnings],
        });
      }
    }
    for (const mesh of check.members) {
      const federation = index.federation.meshes.get(objectRefKey(mesh));
      if (federation !== undefined) addOutputs(writeEastWestGateways(federation, index));
      addOutputs(writeGlobalAccessPolicy(mesh, check, index));
    }
  }
  const virtualDestinationPlans = planVirtualDestinations(input.virtualDestinations, index);
  for (const plan of virtualDestinationPlans) addOutputs(writeVirtualDestination(plan, index));
  const outputs = new Map<string, readonly KubeObject[]>();
  for (const cluster of [...outputsByCluster.keys()].sort(compareStrings)) {
    outputs.set(cluster, sortObjects(outputsByCluster.get(cluster) ?? []));
  }

  const sourceSelection = createWorkloadSelector(selectSourceWorkloads, index);
  const identitySelection = createWorkloadSelector(selectIdentityWorkloads, index);
  const trafficPolicies = input.trafficPolicies.map((policy) => {
    const results = tpResults.get(policy) ?? [];
    const errors = traffic.errors.get(policy) ?? [];
    const workloads =
      errors.length > 0 ? undefined : sourceWorkloads(sourceSelection(policy.spec.sourceSelector), results, index);
    return { ...policy, status: policyStatus(policy, errors, results, workloads) };
  });
  const accessPolicies = input.accessPolicies.map((policy) => {
    const results = apResults.get(policy) ?? [];
    const errors = access.errors.get(policy) ?? [];
    const workloads =
      errors.length > 0 ? undefined : sourceWorkloads(identitySelection(policy.spec.sourceSelector), results, index);
    return { ...policy, status: policyStatus(policy, errors, results, workloads) };
  });
  const destinations = input.destinations.map((destination) => {
    const indexed = index.destinationByObject.get(destination);
    if (indexed === undefined)
      throw new Error(`translateNetworking: Destination ${destination.metadata.name} was not indexed`);
    const fqdn = indexed.service === undefined ? undefined : localFqdn(indexed.service, index);
    const federation = index.federation.destinations.get(indexed);
    return {
      ...destination,
      status: destinationStatus(
        destination,
        fqdn,
        appliedTraffic.get(indexed) ?? [],
        appliedAccess.get(indexed) ?? [],
        subsetsByTarget.get(indexed) ?? [],
        federation === undefined || federation.errors.length > 0 ? undefined : appliedFederation(federation),
      ),
    };
  });
  const virtualMeshes = index.virtualMeshes.checks.map((check) => ({
    ...check.virtualMesh,
    status: virtualMeshStatus(check, index, meshNotes),
  }));
  const meshes = input.meshes.map((mesh) => meshWithStatus(mesh, index, virtualDestinationPlans));
  const virtualDestinations = virtualDestinationPlans.map((plan) => ({
    ...plan.virtualDestination,
    status: virtualDestinationStatus(plan),
  }));
  return { trafficPolicies, accessPolicies, destinations, virtualMeshes, virtualDestinations, meshes, outputs };
}

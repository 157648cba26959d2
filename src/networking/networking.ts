// One networking pass, pure, in four stages:
//   index      the input, once: lookups only (networking-index.ts)
//   plan       VirtualMesh memberships, federation, VirtualDestinations, each policy's Destinations
//              (memoized by selector shape) and spec checks (plan/)
//   translate  per Destination: order its policies, let its mesh's translator accept or reject each
//              one; then each translator writes its outputs: per Destination (with the subsets other
//              Destinations' policies require of it), per VirtualMesh member, per VirtualDestination
//              (translate/<mesh>/, picked in translate/translators.ts)
//   status     on every policy, Destination, Mesh, VirtualMesh and VirtualDestination
// Work is proportional to (policies + Destinations + selected pairs + outputs).
import type { KubeObject } from '../api/meta.ts';
import { sortObjects } from '../snapshot/order.ts';
import { compareStrings, objectRefKey, refKey } from './keys.ts';
import type { AccessPolicy, NetworkingInput, NetworkingResult, TrafficPolicy } from './model.ts';
import { indexNetworkingInput, localFqdn, type IndexedDestination, type IndexedWorkload } from './networking-index.ts';
import { planNetworking, type NetworkingPlan } from './plan/plan.ts';
import { appliedFederation } from './plan/federation.ts';
import type { VirtualDestinationPlan } from './plan/virtual-destinations.ts';
import { destinationStatus, policyStatus, type DestinationResult } from './status.ts';
import { supportOfMesh, translatorFor, translatorOfMesh, translatorOfType } from './translate/translators.ts';
import type { ClusterObject, DestinationDecision, RequiredSubset } from './translate/translator.ts';
import { meshWithStatus, virtualDestinationStatus, virtualMeshStatus } from './virtual-mesh-status.ts';
import { orderPolicies } from './validate/policy-order.ts';
import {
  createWorkloadSelector,
  selectIdentityWorkloads,
  selectSourceWorkloads,
  type WorkloadSelection,
} from './validate/workload-selection.ts';

function pushResult<P>(map: Map<P, DestinationResult[]>, policy: P, result: DestinationResult): void {
  const list = map.get(policy);
  if (list === undefined) map.set(policy, [result]);
  else list.push(result);
}

/** Workloads named by the policy's sources that share a mesh (or VirtualMesh) with a Destination it is accepted on. */
function sourceWorkloads(
  selection: WorkloadSelection,
  results: readonly DestinationResult[],
  index: NetworkingPlan,
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
  const plan = planNetworking(indexNetworkingInput(input), input, supportOfMesh);

  const decisions: [IndexedDestination, DestinationDecision][] = [];
  const tpResults = new Map<TrafficPolicy, DestinationResult[]>();
  const apResults = new Map<AccessPolicy, DestinationResult[]>();
  const subsetsByTarget = new Map<IndexedDestination, RequiredSubset[]>();
  const appliedTraffic = new Map<IndexedDestination, TrafficPolicy[]>();
  const appliedAccess = new Map<IndexedDestination, AccessPolicy[]>();

  for (const destination of plan.destinations) {
    const trafficPolicies = orderPolicies(
      plan.trafficSelection.byDestination.get(destination.order) ?? [],
      destination.statusKey,
    );
    const accessPolicies = orderPolicies(
      plan.accessSelection.byDestination.get(destination.order) ?? [],
      destination.statusKey,
    );
    const decision = translatorFor(destination).decide(destination, trafficPolicies, accessPolicies, plan);
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
  const addOutputs = (objects: readonly ClusterObject[]) => {
    for (const { cluster, object } of objects) {
      const list = outputsByCluster.get(cluster);
      if (list === undefined) outputsByCluster.set(cluster, [object]);
      else list.push(object);
    }
  };
  for (const [destination, decision] of decisions) {
    addOutputs(decision.writeOutputs(subsetsByTarget.get(destination) ?? []));
  }
  // Per member Mesh of a VirtualMesh, its translator: trust, federation, default deny.
  const meshNotes = new Map<string, { errors: string[]; warnings: string[] }>();
  for (const check of plan.virtualMeshes.checks) {
    for (const mesh of check.members) {
      const translator = translatorOfMesh(mesh);
      if (translator === undefined) continue;
      const member = translator.translateMember(mesh, check, plan);
      addOutputs(member.objects);
      if (member.errors.length > 0 || member.warnings.length > 0) {
        meshNotes.set(objectRefKey(mesh), { errors: [...member.errors], warnings: [...member.warnings] });
      }
    }
  }
  // Per VirtualDestination, the translator of its (one kind of) Meshes: failover.
  const virtualDestinationPlans = plan.virtualDestinations.map((vd): VirtualDestinationPlan => {
    const translator = vd.meshType === undefined ? undefined : translatorOfType(vd.meshType);
    if (vd.errors.length > 0 || translator === undefined) return vd;
    const written = translator.translateVirtualDestination(vd, plan);
    addOutputs(written.objects);
    return written.errors.length === 0 && written.warnings.length === 0
      ? vd
      : { ...vd, errors: [...vd.errors, ...written.errors], warnings: [...vd.warnings, ...written.warnings] };
  });
  const outputs = new Map<string, readonly KubeObject[]>();
  for (const cluster of [...outputsByCluster.keys()].sort(compareStrings)) {
    outputs.set(cluster, sortObjects(outputsByCluster.get(cluster) ?? []));
  }

  const sourceSelection = createWorkloadSelector(selectSourceWorkloads, plan);
  const identitySelection = createWorkloadSelector(selectIdentityWorkloads, plan);
  const trafficPolicies = input.trafficPolicies.map((policy) => {
    const results = tpResults.get(policy) ?? [];
    const errors = plan.trafficSelection.errors.get(policy) ?? [];
    const workloads =
      errors.length > 0 ? undefined : sourceWorkloads(sourceSelection(policy.spec.sourceSelector), results, plan);
    return { ...policy, status: policyStatus(policy, errors, results, workloads) };
  });
  const accessPolicies = input.accessPolicies.map((policy) => {
    const results = apResults.get(policy) ?? [];
    const errors = plan.accessSelection.errors.get(policy) ?? [];
    const workloads =
      errors.length > 0 ? undefined : sourceWorkloads(identitySelection(policy.spec.sourceSelector), results, plan);
    return { ...policy, status: policyStatus(policy, errors, results, workloads) };
  });
  const destinations = input.destinations.map((destination) => {
    const indexed = plan.destinationByObject.get(destination);
    if (indexed === undefined)
      throw new Error(`translateNetworking: Destination ${destination.metadata.name} was not indexed`);
    const fqdn = indexed.service === undefined ? undefined : localFqdn(indexed.service, plan);
    const federation = plan.federation.destinations.get(indexed);
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
  const virtualMeshes = plan.virtualMeshes.checks.map((check) => ({
    ...check.virtualMesh,
    status: virtualMeshStatus(check, plan, meshNotes),
  }));
  const meshes = input.meshes.map((mesh) => meshWithStatus(mesh, plan, virtualDestinationPlans));
  const virtualDestinations = virtualDestinationPlans.map((plan) => ({
    ...plan.virtualDestination,
    status: virtualDestinationStatus(plan),
  }));
  return { trafficPolicies, accessPolicies, destinations, virtualMeshes, virtualDestinations, meshes, outputs };
}

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
import { compareObjects, sortObjects } from '../snapshot/order.ts';
import { compareStrings, objectRefKey, refKey } from './keys.ts';
import type { AccessPolicy, Destination, Mesh, NetworkingInput, NetworkingResult, TrafficPolicy } from './model.ts';
import { indexNetworkingInput, localFqdn, type IndexedDestination, type IndexedWorkload } from './networking-index.ts';
import { planNetworking, type NetworkingPlan } from './plan/plan.ts';
import { appliedFederation } from './plan/federation.ts';
import type { VirtualDestinationPlan } from './plan/virtual-destinations.ts';
import { destinationStatus, policyStatus, type DestinationResult } from './status.ts';
import { supportOfMesh, translatorFor, translatorOfMesh, translatorOfType } from './translate/translators.ts';
import type { ClusterObject, DestinationDecision, MemberTranslation, RequiredSubset } from './translate/translator.ts';
import type { VirtualMeshCheck } from './plan/virtual-mesh-membership.ts';
import { meshWithStatus, virtualDestinationStatus, virtualMeshStatus } from './virtual-mesh-status.ts';
import { orderPolicies } from './validate/policy-order.ts';
import {
  createWorkloadSelector,
  selectIdentityWorkloads,
  selectSourceWorkloads,
  type WorkloadSelection,
} from './validate/workload-selection.ts';

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

/** One Destination's part of a pass: the policies it was handed, its translator's decision, its outputs and status. */
export interface DestinationPass {
  readonly destination: IndexedDestination;
  /** The policies it was handed (its selection), in input order. */
  readonly trafficSelected: readonly TrafficPolicy[];
  readonly accessSelected: readonly AccessPolicy[];
  /** Service keys its translator looked up, found or not: a Destination added or removed there concerns it. */
  readonly reads: ReadonlySet<string>;
  readonly decision: DestinationDecision;
  /** Policy → its result here, with its place among the accepted ones. */
  readonly trafficResults: ReadonlyMap<TrafficPolicy, DestinationResult>;
  readonly accessResults: ReadonlyMap<AccessPolicy, DestinationResult>;
  readonly appliedTraffic: readonly TrafficPolicy[];
  readonly appliedAccess: readonly AccessPolicy[];
  /** What its translator writes, given the subsets other Destinations' policies require of it. */
  readonly outputs: readonly ClusterObject[];
}

/**
 * Everything a pass computed, kept so that the next pass can recompute only what a change affects
 * (incremental.ts). The policy-independent parts (index, plan, VirtualMesh members,
 * VirtualDestinations, Mesh status) are fixed for the input they were built from.
 */
export interface NetworkingState {
  readonly input: NetworkingInput;
  readonly plan: NetworkingPlan;
  readonly sourceSelection: (selectors: TrafficPolicy['spec']['sourceSelector']) => WorkloadSelection;
  readonly identitySelection: (selectors: AccessPolicy['spec']['sourceSelector']) => WorkloadSelection;
  /** Per Destination order. */
  readonly destinations: readonly DestinationPass[];
  /** Target Destination order → the orders of the Destinations whose decisions require subsets of it. */
  readonly subsetSources: ReadonlyMap<number, ReadonlySet<number>>;
  readonly memberOutputs: readonly ClusterObject[];
  /** Per VirtualMesh member, its translation (whose costly parts a later pass may keep). */
  readonly memberTranslations: ReadonlyMap<string, MemberTranslation>;
  readonly virtualDestinationOutputs: readonly ClusterObject[];
  readonly outputs: ReadonlyMap<string, readonly KubeObject[]>;
  readonly result: Omit<NetworkingResult, 'outputs'>;
  /** Each policy's selection now (it may differ from the plan's after an incremental update). */
  readonly trafficSelection: ReadonlyMap<TrafficPolicy, PolicySelected>;
  readonly accessSelection: ReadonlyMap<AccessPolicy, PolicySelected>;
}

export interface PolicySelected {
  readonly errors: readonly string[];
  readonly selected: readonly IndexedDestination[];
}

/** The subsets other Destinations' decisions require of the Destination `target`, in Destination order. */
export function requiredSubsetsOf(
  target: number,
  subsetSources: ReadonlyMap<number, ReadonlySet<number>>,
  decisions: (order: number) => DestinationDecision | undefined,
): RequiredSubset[] {
  const sources = subsetSources.get(target);
  if (sources === undefined) return [];
  const subsets: RequiredSubset[] = [];
  for (const from of [...sources].sort((a, b) => a - b)) {
    for (const subset of decisions(from)?.requiredSubsets ?? [])
      if (subset.target.order === target) subsets.push(subset);
  }
  return subsets;
}

/** One Destination decided: its policies ordered, its translator's decision, each policy's result. */
export function decideDestination(
  destination: IndexedDestination,
  trafficSelected: readonly TrafficPolicy[],
  accessSelected: readonly AccessPolicy[],
  plan: NetworkingPlan,
): Omit<DestinationPass, 'outputs'> {
  const trafficPolicies = orderPolicies(trafficSelected, destination.statusKey);
  const accessPolicies = orderPolicies(accessSelected, destination.statusKey);
  const reads = new Set<string>();
  const lookups = plan.destinationByService;
  const decided = lookups.recording(reads, () =>
    translatorFor(destination).decide(destination, trafficPolicies, accessPolicies, plan),
  );
  const decision: DestinationDecision = {
    ...decided,
    writeOutputs: (subsets) => lookups.recording(reads, () => decided.writeOutputs(subsets)),
  };
  let accepted = 0;
  const appliedTraffic: TrafficPolicy[] = [];
  const trafficResults = new Map<TrafficPolicy, DestinationResult>();
  for (const [policy, outcome] of decision.trafficPolicies) {
    const order = outcome.state === 'ACCEPTED' ? accepted++ : undefined;
    if (order !== undefined) appliedTraffic.push(policy);
    trafficResults.set(policy, { destination, outcome, acceptanceOrder: order });
  }
  accepted = 0;
  const appliedAccess: AccessPolicy[] = [];
  const accessResults = new Map<AccessPolicy, DestinationResult>();
  for (const [policy, outcome] of decision.accessPolicies) {
    const order = outcome.state === 'ACCEPTED' ? accepted++ : undefined;
    if (order !== undefined) appliedAccess.push(policy);
    accessResults.set(policy, { destination, outcome, acceptanceOrder: order });
  }
  return {
    destination,
    trafficSelected,
    accessSelected,
    reads,
    decision,
    trafficResults,
    accessResults,
    appliedTraffic,
    appliedAccess,
  };
}

/** A policy's results, on the Destinations it selected, in Destination order. */
export function policyResults<P>(
  selected: readonly IndexedDestination[],
  destinations: readonly DestinationPass[],
  resultsOf: (pass: DestinationPass) => ReadonlyMap<P, DestinationResult>,
  policy: P,
): DestinationResult[] {
  const results: DestinationResult[] = [];
  for (const destination of selected) {
    const pass = destinations[destination.order];
    const result = pass === undefined ? undefined : resultsOf(pass).get(policy);
    if (result !== undefined) results.push(result);
  }
  return results;
}

export function trafficPolicyWithStatus(
  state: Pick<NetworkingState, 'plan' | 'sourceSelection' | 'destinations'>,
  policy: TrafficPolicy,
  errors: readonly string[],
  selected: readonly IndexedDestination[],
): TrafficPolicy {
  const results = policyResults(selected, state.destinations, (p) => p.trafficResults, policy);
  const workloads =
    errors.length > 0
      ? undefined
      : sourceWorkloads(state.sourceSelection(policy.spec.sourceSelector), results, state.plan);
  return { ...policy, status: policyStatus(policy, errors, results, workloads) };
}

export function accessPolicyWithStatus(
  state: Pick<NetworkingState, 'plan' | 'identitySelection' | 'destinations'>,
  policy: AccessPolicy,
  errors: readonly string[],
  selected: readonly IndexedDestination[],
): AccessPolicy {
  const results = policyResults(selected, state.destinations, (p) => p.accessResults, policy);
  const workloads =
    errors.length > 0
      ? undefined
      : sourceWorkloads(state.identitySelection(policy.spec.sourceSelector), results, state.plan);
  return { ...policy, status: policyStatus(policy, errors, results, workloads) };
}

export function destinationWithStatus(
  plan: NetworkingPlan,
  pass: DestinationPass,
  requiredSubsets: readonly RequiredSubset[],
): Destination {
  const indexed = pass.destination;
  const destination = indexed.destination;
  const fqdn = indexed.service === undefined ? undefined : localFqdn(indexed.service, plan);
  const federation = plan.federation.destinations.get(indexed);
  return {
    ...destination,
    status: destinationStatus(
      destination,
      fqdn,
      pass.appliedTraffic,
      pass.appliedAccess,
      requiredSubsets,
      federation === undefined || federation.errors.length > 0 ? undefined : appliedFederation(federation),
    ),
  };
}

/** Every cluster's outputs, in the order a full pass writes them: per Destination, per member, per VirtualDestination. */
export function clusterOutputs(
  clusters: ReadonlySet<string> | undefined,
  destinations: readonly DestinationPass[],
  memberOutputs: readonly ClusterObject[],
  virtualDestinationOutputs: readonly ClusterObject[],
): Map<string, KubeObject[]> {
  const byCluster = new Map<string, KubeObject[]>();
  const add = (objects: readonly ClusterObject[]) => {
    for (const { cluster, object } of objects) {
      if (clusters !== undefined && !clusters.has(cluster)) continue;
      const list = byCluster.get(cluster);
      if (list === undefined) byCluster.set(cluster, [object]);
      else list.push(object);
    }
  };
  for (const pass of destinations) add(pass.outputs);
  add(memberOutputs);
  add(virtualDestinationOutputs);
  for (const [cluster, objects] of byCluster) byCluster.set(cluster, sortObjects(objects));
  return byCluster;
}

/**
 * One cluster's outputs after some of its objects were rewritten, in the order clusterOutputs gives:
 * the last (sorted) list without `removed`, with `added` merged in at their places. Undefined when
 * an added object has the identity of another one there: the order of the two then depends on
 * which was written first, which only clusterOutputs knows.
 */
export function patchedOutputs(
  previous: readonly KubeObject[],
  removed: ReadonlySet<KubeObject>,
  added: readonly KubeObject[],
): KubeObject[] | undefined {
  const kept = withoutSorted(previous, removed);
  const patched: KubeObject[] = [];
  let from = 0;
  let last: KubeObject | undefined;
  // Each added object goes where a binary search over the kept ones puts it (after the ones before it).
  for (const object of sortObjects(added)) {
    const low = lowerBound(kept, object, from);
    const at = kept[low];
    if (at !== undefined && compareObjects(at, object) === 0) return undefined;
    for (let i = from; i < low; i++) patched.push(kept[i] as KubeObject);
    last = low > from ? kept[low - 1] : last;
    if (last !== undefined && compareObjects(last, object) === 0) return undefined;
    patched.push(object);
    last = object;
    from = low;
  }
  for (let i = from; i < kept.length; i++) patched.push(kept[i] as KubeObject);
  return patched;
}

/** The first place in `sorted` (from `from` on) whose object does not come before `object`. */
function lowerBound(sorted: readonly KubeObject[], object: KubeObject, from: number): number {
  let low = from;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const other = sorted[middle];
    if (other !== undefined && compareObjects(other, object) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A sorted list without some of its objects, each found by binary search (not by a look at every object). */
function withoutSorted(sorted: readonly KubeObject[], removed: ReadonlySet<KubeObject>): readonly KubeObject[] {
  if (removed.size === 0) return sorted;
  const places: number[] = [];
  for (const object of removed) {
    let at = lowerBound(sorted, object, 0);
    while (at < sorted.length && sorted[at] !== object && compareObjects(sorted[at] as KubeObject, object) === 0) at++;
    if (sorted[at] !== object) return sorted.filter((candidate) => !removed.has(candidate));
    places.push(at);
  }
  places.sort((a, b) => a - b);
  const kept: KubeObject[] = [];
  let from = 0;
  for (const at of places) {
    for (let i = from; i < at; i++) kept.push(sorted[i] as KubeObject);
    from = at + 1;
  }
  for (let i = from; i < sorted.length; i++) kept.push(sorted[i] as KubeObject);
  return kept;
}

/** Clusters in name order, as a NetworkingResult lists them. */
export function sortedOutputs(outputs: ReadonlyMap<string, readonly KubeObject[]>): Map<string, readonly KubeObject[]> {
  const sorted = new Map<string, readonly KubeObject[]>();
  for (const cluster of [...outputs.keys()].sort(compareStrings)) {
    const objects = outputs.get(cluster);
    if (objects !== undefined && objects.length > 0) sorted.set(cluster, objects);
  }
  return sorted;
}

/** What VirtualMeshes and VirtualDestinations become: per member Mesh and per VirtualDestination, its translator's objects. */
export function translateVirtual(
  plan: NetworkingPlan,
  previous?: ReadonlyMap<string, MemberTranslation>,
): {
  memberOutputs: ClusterObject[];
  members: Map<string, MemberTranslation>;
  meshNotes: Map<string, { errors: string[]; warnings: string[] }>;
  virtualDestinationPlans: VirtualDestinationPlan[];
  virtualDestinationOutputs: ClusterObject[];
} {
  // Per member Mesh of a VirtualMesh, its translator: trust, federation, default deny.
  const memberOutputs: ClusterObject[] = [];
  const members = new Map<string, MemberTranslation>();
  const meshNotes = new Map<string, { errors: string[]; warnings: string[] }>();
  for (const check of plan.virtualMeshes.checks) {
    for (const mesh of check.members) {
      const translator = translatorOfMesh(mesh);
      if (translator === undefined) continue;
      const key = memberKey(check, mesh);
      const member = translator.translateMember(mesh, check, plan, previous?.get(key));
      members.set(key, member);
      memberOutputs.push(...member.objects);
      if (member.errors.length > 0 || member.warnings.length > 0) {
        meshNotes.set(objectRefKey(mesh), { errors: [...member.errors], warnings: [...member.warnings] });
      }
    }
  }
  // Per VirtualDestination, the translator of its (one kind of) Meshes: failover.
  const virtualDestinationOutputs: ClusterObject[] = [];
  const virtualDestinationPlans = plan.virtualDestinations.map((vd): VirtualDestinationPlan => {
    const translator = vd.meshType === undefined ? undefined : translatorOfType(vd.meshType);
    if (vd.errors.length > 0 || translator === undefined) return vd;
    const written = translator.translateVirtualDestination(vd, plan);
    virtualDestinationOutputs.push(...written.objects);
    return written.errors.length === 0 && written.warnings.length === 0
      ? vd
      : { ...vd, errors: [...vd.errors, ...written.errors], warnings: [...vd.warnings, ...written.warnings] };
  });
  return { memberOutputs, members, meshNotes, virtualDestinationPlans, virtualDestinationOutputs };
}

/** A member's key among the previous pass's member translations: its VirtualMesh and its Mesh. */
function memberKey(check: VirtualMeshCheck, mesh: Mesh): string {
  return `${check.key}\u0000${objectRefKey(mesh)}`;
}

/** The statuses of VirtualMeshes, Meshes and VirtualDestinations. */
export function virtualStatuses(
  input: NetworkingInput,
  plan: NetworkingPlan,
  virtual: ReturnType<typeof translateVirtual>,
): Pick<NetworkingResult, 'virtualMeshes' | 'meshes' | 'virtualDestinations'> {
  return {
    virtualMeshes: plan.virtualMeshes.checks.map((check) => ({
      ...check.virtualMesh,
      status: virtualMeshStatus(check, plan, virtual.meshNotes),
    })),
    meshes: input.meshes.map((mesh) => meshWithStatus(mesh, plan, virtual.virtualDestinationPlans)),
    virtualDestinations: virtual.virtualDestinationPlans.map((vd) => ({
      ...vd.virtualDestination,
      status: virtualDestinationStatus(vd),
    })),
  };
}

/** Each policy's selection in a plan. */
export function selectionsOf(
  input: Pick<NetworkingInput, 'trafficPolicies' | 'accessPolicies'>,
  plan: NetworkingPlan,
): {
  trafficSelection: Map<TrafficPolicy, PolicySelected>;
  accessSelection: Map<AccessPolicy, PolicySelected>;
} {
  return {
    trafficSelection: new Map(
      input.trafficPolicies.map((p): [TrafficPolicy, PolicySelected] => [
        p,
        { errors: plan.trafficSelection.errors.get(p) ?? [], selected: plan.trafficSelection.selected.get(p) ?? [] },
      ]),
    ),
    accessSelection: new Map(
      input.accessPolicies.map((p): [AccessPolicy, PolicySelected] => [
        p,
        { errors: plan.accessSelection.errors.get(p) ?? [], selected: plan.accessSelection.selected.get(p) ?? [] },
      ]),
    ),
  };
}

export function networkingState(input: NetworkingInput): NetworkingState {
  const plan = planNetworking(indexNetworkingInput(input), input, supportOfMesh);

  const destinations: DestinationPass[] = [];
  const subsetSources = new Map<number, Set<number>>();
  const decided = plan.destinations.map((destination) =>
    decideDestination(
      destination,
      plan.trafficSelection.byDestination.get(destination.order) ?? [],
      plan.accessSelection.byDestination.get(destination.order) ?? [],
      plan,
    ),
  );
  for (const pass of decided) {
    for (const subset of pass.decision.requiredSubsets) {
      const sources = subsetSources.get(subset.target.order);
      if (sources === undefined) subsetSources.set(subset.target.order, new Set([pass.destination.order]));
      else sources.add(pass.destination.order);
    }
  }
  const decisionOf = (order: number) => decided[order]?.decision;
  const subsetsOf = decided.map((pass) => requiredSubsetsOf(pass.destination.order, subsetSources, decisionOf));
  for (const pass of decided) {
    destinations.push({ ...pass, outputs: pass.decision.writeOutputs(subsetsOf[pass.destination.order] ?? []) });
  }
  const virtual = translateVirtual(plan);
  const { memberOutputs, virtualDestinationOutputs } = virtual;
  const outputs = sortedOutputs(clusterOutputs(undefined, destinations, memberOutputs, virtualDestinationOutputs));

  const partial = {
    plan,
    destinations,
    sourceSelection: createWorkloadSelector(selectSourceWorkloads, plan),
    identitySelection: createWorkloadSelector(selectIdentityWorkloads, plan),
  };
  const trafficPolicies = input.trafficPolicies.map((policy) =>
    trafficPolicyWithStatus(
      partial,
      policy,
      plan.trafficSelection.errors.get(policy) ?? [],
      plan.trafficSelection.selected.get(policy) ?? [],
    ),
  );
  const accessPolicies = input.accessPolicies.map((policy) =>
    accessPolicyWithStatus(
      partial,
      policy,
      plan.accessSelection.errors.get(policy) ?? [],
      plan.accessSelection.selected.get(policy) ?? [],
    ),
  );
  const destinationStatuses = input.destinations.map((destination) => {
    const indexed = plan.destinationByObject.get(destination);
    const pass = indexed === undefined ? undefined : destinations[indexed.order];
    if (pass === undefined)
      throw new Error(`translateNetworking: Destination ${destination.metadata.name} was not indexed`);
    return destinationWithStatus(plan, pass, subsetsOf[pass.destination.order] ?? []);
  });
  const { trafficSelection, accessSelection } = selectionsOf(input, plan);
  return {
    input,
    trafficSelection,
    accessSelection,
    ...partial,
    subsetSources,
    memberOutputs,
    memberTranslations: virtual.members,
    virtualDestinationOutputs,
    outputs,
    result: {
      trafficPolicies,
      accessPolicies,
      destinations: destinationStatuses,
      ...virtualStatuses(input, plan, virtual),
    },
  };
}

export function translateNetworking(input: NetworkingInput): NetworkingResult {
  const state = networkingState(input);
  return { ...state.result, outputs: state.outputs };
}

// Incremental networking when Destinations came or went (policies, Meshes, Workloads and every
// other input the same): the index and the plan are built again from the previous ones, the
// translation of every Destination the change does not concern is kept. The dependency
// bookkeeping is this, and nothing else:
//   index                               → Workload lookups kept; a kept Destination's entry keeps
//                                         its keys, only its order is new (networking-index.ts)
//   policy selection                    → kept (mapped to the new entries) unless its selectors
//                                         could select a Destination that came or went (plan.ts)
//   Destination d added                 → d decided
//   d's policies (its selection)        → changed: d decided again
//   d's federation (host, meshes,       → changed: d decided again, and its Service key counts as
//     gateways, errors)                   changed for others (they may name it as a target)
//   Service key k added, removed or     → every Destination whose translation looked k up
//     re-federated                        (DestinationPass.reads) decided again
//   required subsets of a Destination   → changed (sources, policies, labels): its outputs rewritten
//   outputs of removed, decided,        → the clusters they land in, re-sorted
//     rewritten Destinations
//   results on decided or removed ones  → the status of every policy with a result there, and of
//     and changed selections              every policy whose selection changed
//   VirtualMesh members, Virtual-        → translated again (few); a member's shared trust kept when
//     Destinations, their statuses and     what it read is the same objects (its east-west gateways'
//     the Meshes'                          Destinations among them); outputs kept when the same
// A Destination kept keeps its decision, results and outputs; only its index entry is the new one.
import type { KubeObject } from '../api/meta.ts';
import { objectRefKey } from './keys.ts';
import type { AccessPolicy, Destination, NetworkingInput, TrafficPolicy } from './model.ts';
import {
  accessPolicyWithStatus,
  clusterOutputs,
  patchedOutputs,
  decideDestination,
  destinationWithStatus,
  requiredSubsetsOf,
  selectionsOf,
  sortedOutputs,
  trafficPolicyWithStatus,
  translateVirtual,
  virtualStatuses,
  type DestinationPass,
  type NetworkingState,
  type PolicySelected,
} from './networking.ts';
import { indexNetworkingInput, serviceKey, type IndexedDestination } from './networking-index.ts';
import type { DestinationFederation, EastWestGateway } from './plan/federation.ts';
import { planNetworking } from './plan/plan.ts';
import type { ClusterObject, RequiredSubset } from './translate/translator.ts';
import { supportOfMesh } from './translate/translators.ts';

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A gateway as a Destination's outputs read it: the Destinations are compared by key, the rest by value. */
function sameGateway(a: EastWestGateway, b: EastWestGateway): boolean {
  return (
    a.destination.key === b.destination.key &&
    sameStrings(a.externalAddresses, b.externalAddresses) &&
    a.destinationPort === b.destinationPort &&
    a.containerPort === b.containerPort &&
    (a.workloadLabels === b.workloadLabels || JSON.stringify(a.workloadLabels) === JSON.stringify(b.workloadLabels))
  );
}

/** Whether a Destination's own outputs and status read the same of federation in two plans. */
function sameFederation(a: DestinationFederation | undefined, b: DestinationFederation | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    objectRefKey(a.check.virtualMesh) === objectRefKey(b.check.virtualMesh) &&
    a.hostname === b.hostname &&
    a.flatNetwork === b.flatNetwork &&
    a.toMeshes.length === b.toMeshes.length &&
    a.toMeshes.every((mesh, i) => {
      const other = b.toMeshes[i];
      return other !== undefined && (mesh === other || objectRefKey(mesh) === objectRefKey(other));
    }) &&
    a.gateways.length === b.gateways.length &&
    a.gateways.every((gateway, i) => {
      const other = b.gateways[i];
      return other !== undefined && (gateway === other || sameGateway(gateway, other));
    }) &&
    sameStrings(a.errors, b.errors)
  );
}

function subsetsText(subsets: readonly RequiredSubset[]): string {
  return JSON.stringify(subsets.map((s) => [s.from.key, objectRefKey(s.policy), s.labels]));
}

/** Whether a policy selected the same (errors, and Destinations by key) in two plans. */
function sameSelection(a: PolicySelected | undefined, b: PolicySelected): boolean {
  if (a === undefined) return false;
  if (!sameStrings(a.errors, b.errors) || a.selected.length !== b.selected.length) return false;
  for (let i = 0; i < a.selected.length; i++) if (a.selected[i]?.key !== b.selected[i]?.key) return false;
  return true;
}

/**
 * Objects of `next` equal to those of `previous` (the same object, or the same JSON, in the same
 * place) are `previous`'s, so writes see no change; all equal, `previous` itself.
 */
function keptWhereSame<T>(previous: readonly T[], next: readonly T[], same: (a: T, b: T) => boolean): readonly T[] {
  let all = previous.length === next.length;
  const kept = next.map((object, i) => {
    const old = previous[i];
    if (old !== undefined && (old === object || same(old, object))) return old;
    all = false;
    return object;
  });
  return all ? previous : kept;
}

const sameJson = <T>(a: T, b: T): boolean => JSON.stringify(a) === JSON.stringify(b);
/** Cluster objects kept by a translator (shared trust) are the same objects: only the others are compared as JSON. */
const sameClusterObject = (a: ClusterObject, b: ClusterObject): boolean =>
  a.cluster === b.cluster && (a.object === b.object || sameJson(a.object, b.object));

function readsAny(reads: ReadonlySet<string>, keys: ReadonlySet<string>): boolean {
  if (keys.size === 0) return false;
  // The smaller set is walked (a change names few keys; a Destination may read many).
  if (keys.size < reads.size) {
    for (const key of keys) if (reads.has(key)) return true;
    return false;
  }
  for (const key of reads) if (keys.has(key)) return true;
  return false;
}

/** Outputs that went out of clusters and came in; an object both out and in (kept) is neither. */
class ClusterEdits {
  readonly #out = new Map<string, Set<KubeObject>>();
  readonly #in = new Map<string, Set<KubeObject>>();

  out(objects: readonly ClusterObject[]): void {
    ClusterEdits.#add(this.#out, objects);
  }

  in(objects: readonly ClusterObject[]): void {
    ClusterEdits.#add(this.#in, objects);
  }

  /** Per cluster touched: the objects removed and those added. */
  byCluster(): Map<string, { removed: Set<KubeObject>; added: KubeObject[] }> {
    const edits = new Map<string, { removed: Set<KubeObject>; added: KubeObject[] }>();
    for (const cluster of new Set([...this.#out.keys(), ...this.#in.keys()])) {
      const out = this.#out.get(cluster) ?? new Set<KubeObject>();
      const into = this.#in.get(cluster) ?? new Set<KubeObject>();
      const removed = new Set([...out].filter((object) => !into.has(object)));
      const added = [...into].filter((object) => !out.has(object));
      edits.set(cluster, { removed, added });
    }
    return edits;
  }

  static #add(into: Map<string, Set<KubeObject>>, objects: readonly ClusterObject[]): void {
    for (const { cluster, object } of objects) {
      const set = into.get(cluster);
      if (set === undefined) into.set(cluster, new Set([object]));
      else set.add(object);
    }
  }
}

/**
 * The next state from `state` for `input`, which differs from `state.input` in its Destinations
 * only (and in the clusters' Services, which only Linkerd's mirrors read: the caller checks those).
 */
export function updateNetworkingDestinations(state: NetworkingState, input: NetworkingInput): NetworkingState {
  // Meshes and Workloads are the same objects (the caller checks): the previous index's lookups of
  // those, and its entries of the Destinations kept, are reused.
  const index = indexNetworkingInput(input, {
    meshes: state.input.meshes,
    workloads: state.input.workloads,
    index: state.plan,
  });
  // The Destinations that came or went (their entries in the new index and the old one): the
  // policies that could select none of them keep their selection.
  const changed: IndexedDestination[] = [];
  for (const d of index.destinations) if (!state.plan.destinationByObject.has(d.destination)) changed.push(d);
  for (const d of state.plan.destinations) if (!index.destinationByObject.has(d.destination)) changed.push(d);
  const plan = planNetworking(index, input, supportOfMesh, {
    traffic: state.trafficSelection,
    access: state.accessSelection,
    changed,
  });
  // A Destination's previous pass, through the previous index (no map of its own to build).
  const before = {
    get: (destination: Destination): DestinationPass | undefined => {
      const indexed = state.plan.destinationByObject.get(destination);
      return indexed === undefined ? undefined : state.destinations[indexed.order];
    },
  };

  // Service keys whose Destination came, went or is federated differently.
  const changedKeys = new Set<string>();
  const changedKey = (d: IndexedDestination) => {
    if (d.service !== undefined) changedKeys.add(serviceKey(d.service));
  };
  // Per cluster, the outputs that went out and came in (clusterEdits): the clusters to patch.
  const edits = new ClusterEdits();
  const removed: DestinationPass[] = [];
  for (const pass of state.destinations) {
    if (plan.destinationByObject.has(pass.destination.destination)) continue;
    removed.push(pass);
    changedKey(pass.destination);
    edits.out(pass.outputs);
  }
  const federationChanged = new Set<number>();
  for (const d of plan.destinations) {
    const old = before.get(d.destination);
    if (old === undefined) changedKey(d);
    else if (
      !sameFederation(state.plan.federation.destinations.get(old.destination), plan.federation.destinations.get(d))
    ) {
      changedKey(d);
      federationChanged.add(d.order);
    }
  }

  const moved = (d: IndexedDestination): IndexedDestination => {
    const found = plan.destinationByObject.get(d.destination);
    if (found === undefined) throw new Error(`incremental: Destination ${d.key} is gone but still named`);
    return found;
  };
  const decided = new Set<number>();
  const passes = plan.destinations.map((d): DestinationPass => {
    const traffic = plan.trafficSelection.byDestination.get(d.order) ?? [];
    const access = plan.accessSelection.byDestination.get(d.order) ?? [];
    const old = before.get(d.destination);
    const concerned =
      old === undefined ||
      federationChanged.has(d.order) ||
      !sameList(old.trafficSelected, traffic) ||
      !sameList(old.accessSelected, access) ||
      readsAny(old.reads, changedKeys);
    if (concerned) {
      decided.add(d.order);
      return { ...decideDestination(d, traffic, access, plan), outputs: [] };
    }
    // Kept: the decision names Destinations by index entry, which are the new pass's now.
    if (old.decision.requiredSubsets.length === 0) return { ...old, destination: d };
    const requiredSubsets = old.decision.requiredSubsets.map((s) => ({
      ...s,
      target: moved(s.target),
      from: moved(s.from),
    }));
    return { ...old, destination: d, decision: { ...old.decision, requiredSubsets } };
  });

  const subsetSources = new Map<number, Set<number>>();
  for (const pass of passes) {
    for (const subset of pass.decision.requiredSubsets) {
      const sources = subsetSources.get(subset.target.order);
      if (sources === undefined) subsetSources.set(subset.target.order, new Set([pass.destination.order]));
      else sources.add(pass.destination.order);
    }
  }
  const previousOf = (order: number): DestinationPass | undefined => {
    const pass = passes[order];
    return pass === undefined ? undefined : before.get(pass.destination.destination);
  };
  const decisionOf = (order: number) => passes[order]?.decision;
  const oldDecisionOf = (order: number) => state.destinations[order]?.decision;
  const subsetsNow = (order: number) => requiredSubsetsOf(order, subsetSources, decisionOf);
  // Targets of subsets before or after: their outputs are rewritten when what is required of them changed.
  const rewrite = new Set(decided);
  const targets = new Set(subsetSources.keys());
  for (const [target] of state.subsetSources) {
    const old = state.destinations[target];
    const d = old === undefined ? undefined : plan.destinationByObject.get(old.destination.destination);
    if (d !== undefined) targets.add(d.order);
  }
  for (const order of targets) {
    if (rewrite.has(order)) continue;
    const old = previousOf(order);
    const was = old === undefined ? [] : requiredSubsetsOf(old.destination.order, state.subsetSources, oldDecisionOf);
    if (subsetsText(was) !== subsetsText(subsetsNow(order))) rewrite.add(order);
  }
  const destinationStatus = new Map<number, ReturnType<typeof destinationWithStatus>>();
  for (const order of rewrite) {
    const pass = passes[order];
    if (pass === undefined) continue;
    const old = previousOf(order);
    if (old !== undefined) edits.out(old.outputs);
    const subsets = subsetsNow(order);
    const written = { ...pass, outputs: pass.decision.writeOutputs(subsets) };
    edits.in(written.outputs);
    passes[order] = written;
    destinationStatus.set(order, destinationWithStatus(plan, written, subsets));
  }

  // Policy statuses: those whose selection changed, and those with a result on a Destination decided or removed.
  const { trafficSelection, accessSelection } = selectionsOf(input, plan);
  const recomputeTraffic = new Set<TrafficPolicy>();
  const recomputeAccess = new Set<AccessPolicy>();
  for (const [policy, selection] of trafficSelection)
    if (!sameSelection(state.trafficSelection.get(policy), selection)) recomputeTraffic.add(policy);
  for (const [policy, selection] of accessSelection)
    if (!sameSelection(state.accessSelection.get(policy), selection)) recomputeAccess.add(policy);
  const resultsOn = (pass: DestinationPass | undefined) => {
    if (pass === undefined) return;
    for (const policy of pass.trafficResults.keys()) recomputeTraffic.add(policy);
    for (const policy of pass.accessResults.keys()) recomputeAccess.add(policy);
  };
  for (const pass of removed) resultsOn(pass);
  for (const order of decided) {
    resultsOn(passes[order]);
    resultsOn(previousOf(order));
  }
  const next = {
    plan,
    destinations: passes,
    sourceSelection: state.sourceSelection,
    identitySelection: state.identitySelection,
  };
  const trafficPolicies = input.trafficPolicies.map((policy, i) => {
    const kept = recomputeTraffic.has(policy) ? undefined : state.result.trafficPolicies[i];
    if (kept !== undefined && state.input.trafficPolicies[i] === policy) return kept;
    const selection = trafficSelection.get(policy);
    return trafficPolicyWithStatus(next, policy, selection?.errors ?? [], selection?.selected ?? []);
  });
  const accessPolicies = input.accessPolicies.map((policy, i) => {
    const kept = recomputeAccess.has(policy) ? undefined : state.result.accessPolicies[i];
    if (kept !== undefined && state.input.accessPolicies[i] === policy) return kept;
    const selection = accessSelection.get(policy);
    return accessPolicyWithStatus(next, policy, selection?.errors ?? [], selection?.selected ?? []);
  });
  const statusBefore = new Map<Destination, Destination>();
  state.input.destinations.forEach((destination, i) => {
    const status = state.result.destinations[i];
    if (status !== undefined) statusBefore.set(destination, status);
  });
  const destinations = input.destinations.map((destination) => {
    const indexed = plan.destinationByObject.get(destination);
    const pass = indexed === undefined ? undefined : passes[indexed.order];
    if (indexed === undefined || pass === undefined)
      throw new Error(`incremental: Destination ${destination.metadata.name} was not indexed`);
    const kept = destinationStatus.has(indexed.order) ? undefined : statusBefore.get(destination);
    return kept ?? destinationStatus.get(indexed.order) ?? destinationWithStatus(plan, pass, subsetsNow(indexed.order));
  });

  // VirtualMesh members and VirtualDestinations: few, translated again, kept where nothing changed.
  const virtual = translateVirtual(plan, state.memberTranslations);
  const memberOutputs = keptWhereSame(state.memberOutputs, virtual.memberOutputs, sameClusterObject);
  const virtualDestinationOutputs = keptWhereSame(
    state.virtualDestinationOutputs,
    virtual.virtualDestinationOutputs,
    sameClusterObject,
  );
  for (const [was, is] of [
    [state.memberOutputs, memberOutputs],
    [state.virtualDestinationOutputs, virtualDestinationOutputs],
  ] as const) {
    if (was === is) continue;
    edits.out(was);
    edits.in(is);
  }
  const statuses = virtualStatuses(input, plan, virtual);

  // The clusters concerned: their last outputs patched, or (two objects of one identity) sorted again.
  const outputs = new Map<string, readonly KubeObject[]>(state.outputs);
  const unpatched = new Set<string>();
  for (const [cluster, { removed: gone, added }] of edits.byCluster()) {
    const patched = patchedOutputs(state.outputs.get(cluster) ?? [], gone, added);
    if (patched === undefined) unpatched.add(cluster);
    else outputs.set(cluster, patched);
  }
  if (unpatched.size > 0) {
    const rewritten = clusterOutputs(unpatched, passes, memberOutputs, virtualDestinationOutputs);
    for (const cluster of unpatched) outputs.set(cluster, rewritten.get(cluster) ?? []);
  }
  return {
    ...state,
    input,
    plan,
    destinations: passes,
    subsetSources,
    trafficSelection,
    accessSelection,
    memberOutputs,
    memberTranslations: virtual.members,
    virtualDestinationOutputs,
    outputs: sortedOutputs(outputs),
    result: {
      trafficPolicies,
      accessPolicies,
      destinations,
      virtualMeshes: keptWhereSame(state.result.virtualMeshes, statuses.virtualMeshes, sameJson),
      meshes: keptWhereSame(state.result.meshes, statuses.meshes, sameJson),
      virtualDestinations: keptWhereSame(state.result.virtualDestinations, statuses.virtualDestinations, sameJson),
    },
  };
}

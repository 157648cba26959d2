// Incremental networking: the next pass from the last one when only policies changed (added,
// edited, removed; a policy whose status was written back counts as edited). The dependency
// bookkeeping is this, and nothing else:
//   policy P changed        → the Destinations P selected before and selects now (D)
//   Destination d in D      → re-decided with the policies selecting it now; its status
//   d's required subsets    → the targets they name, before and after (T): their outputs
//   outputs of D ∪ T        → the clusters they land in, re-sorted
//   results on D            → the status of every policy with a result there, before or after
// Everything else in the state (index, plan, VirtualMesh members, VirtualDestinations, Mesh
// status) does not read policies and is kept. Any other change is a full pass (networkingState).
import type { KubeObject } from '../api/meta.ts';
import type { AccessPolicy, Destination, NetworkingInput, TrafficPolicy } from './model.ts';
import {
  accessPolicyWithStatus,
  clusterOutputs,
  decideDestination,
  destinationWithStatus,
  patchedOutputs,
  requiredSubsetsOf,
  sortedOutputs,
  trafficPolicyWithStatus,
  type DestinationPass,
  type NetworkingState,
  type PolicySelected,
} from './networking.ts';
import { checkAccessPolicy, checkTrafficPolicy, selectPolicy } from './plan/plan.ts';

interface PolicyChanges<P> {
  readonly removed: readonly P[];
  readonly added: readonly P[];
}

function changesOf<P>(before: readonly P[], after: readonly P[]): PolicyChanges<P> {
  const old = new Set(before);
  const now = new Set(after);
  return { removed: before.filter((p) => !now.has(p)), added: after.filter((p) => !old.has(p)) };
}

/** The new selections, and the Destinations whose policy sets changed. */
function reselect<P extends TrafficPolicy | AccessPolicy>(
  state: NetworkingState,
  previous: ReadonlyMap<P, PolicySelected>,
  policies: readonly P[],
  changes: PolicyChanges<P>,
  check: (policy: P) => string[],
  affected: Set<number>,
): Map<P, PolicySelected> {
  const selection = new Map<P, PolicySelected>();
  const removed = new Set(changes.removed);
  for (const policy of changes.removed) for (const d of previous.get(policy)?.selected ?? []) affected.add(d.order);
  const added = new Set(changes.added);
  for (const policy of policies) {
    const kept = added.has(policy) ? undefined : previous.get(policy);
    if (kept !== undefined && !removed.has(policy)) {
      selection.set(policy, kept);
      continue;
    }
    const selected = selectPolicy(policy, state.plan.selectDestinations, check);
    selection.set(policy, selected);
    for (const d of selected.selected) affected.add(d.order);
  }
  return selection;
}

/** Destination order → the policies selecting it, for the affected Destinations only. */
function selectingPolicies<P>(
  selection: ReadonlyMap<P, PolicySelected>,
  affected: ReadonlySet<number>,
): Map<number, P[]> {
  const by = new Map<number, P[]>();
  for (const [policy, { selected }] of selection) {
    for (const d of selected) {
      if (!affected.has(d.order)) continue;
      const list = by.get(d.order);
      if (list === undefined) by.set(d.order, [policy]);
      else list.push(policy);
    }
  }
  return by;
}

function subsetTargets(pass: DestinationPass | undefined): number[] {
  return (pass?.decision.requiredSubsets ?? []).map((s) => s.target.order);
}

export function updateNetworkingPolicies(state: NetworkingState, input: NetworkingInput): NetworkingState {
  const trafficChanges = changesOf(state.input.trafficPolicies, input.trafficPolicies);
  const accessChanges = changesOf(state.input.accessPolicies, input.accessPolicies);
  const affected = new Set<number>();
  const trafficSelection = reselect(
    state,
    state.trafficSelection,
    input.trafficPolicies,
    trafficChanges,
    checkTrafficPolicy,
    affected,
  );
  const accessSelection = reselect(
    state,
    state.accessSelection,
    input.accessPolicies,
    accessChanges,
    checkAccessPolicy,
    affected,
  );
  const plan = state.plan;
  const trafficBy = selectingPolicies(trafficSelection, affected);
  const accessBy = selectingPolicies(accessSelection, affected);

  const destinations = [...state.destinations];
  const subsetSources = new Map(state.subsetSources);
  const rewrite = new Set(affected);
  const editSources = (target: number, from: number, add: boolean) => {
    const sources = new Set(subsetSources.get(target));
    if (add) sources.add(from);
    else sources.delete(from);
    if (sources.size === 0) subsetSources.delete(target);
    else subsetSources.set(target, sources);
    rewrite.add(target);
  };
  const recomputeTraffic = new Set<TrafficPolicy>(trafficChanges.added);
  const recomputeAccess = new Set<AccessPolicy>(accessChanges.added);
  for (const order of affected) {
    const old = state.destinations[order];
    const destination = plan.destinations[order];
    if (old === undefined || destination === undefined) throw new Error(`incremental: no Destination ${String(order)}`);
    const pass = decideDestination(destination, trafficBy.get(order) ?? [], accessBy.get(order) ?? [], plan);
    for (const target of subsetTargets(old)) editSources(target, order, false);
    for (const target of subsetTargets({ ...pass, outputs: [] })) editSources(target, order, true);
    for (const policy of [...old.trafficResults.keys(), ...pass.trafficResults.keys()]) recomputeTraffic.add(policy);
    for (const policy of [...old.accessResults.keys(), ...pass.accessResults.keys()]) recomputeAccess.add(policy);
    destinations[order] = { ...pass, outputs: old.outputs };
  }
  const decisionOf = (order: number) => destinations[order]?.decision;
  // Per cluster, the outputs rewritten: the last ones out, the new ones in.
  const edits = new Map<string, { removed: Set<KubeObject>; added: KubeObject[] }>();
  const editOf = (cluster: string) => {
    let edit = edits.get(cluster);
    if (edit === undefined) {
      edit = { removed: new Set(), added: [] };
      edits.set(cluster, edit);
    }
    return edit;
  };
  const destinationStatus = new Map<number, Destination>();
  for (const order of rewrite) {
    const pass = destinations[order];
    if (pass === undefined) continue;
    for (const { cluster, object } of state.destinations[order]?.outputs ?? []) editOf(cluster).removed.add(object);
    const subsets = requiredSubsetsOf(order, subsetSources, decisionOf);
    const outputs = pass.decision.writeOutputs(subsets);
    for (const { cluster, object } of outputs) editOf(cluster).added.push(object);
    const written = { ...pass, outputs };
    destinations[order] = written;
    destinationStatus.set(order, destinationWithStatus(plan, written, subsets));
  }

  const next = {
    plan,
    destinations,
    sourceSelection: state.sourceSelection,
    identitySelection: state.identitySelection,
  };
  const previousTraffic = new Map(state.input.trafficPolicies.map((p, i) => [p, state.result.trafficPolicies[i]]));
  const trafficPolicies = input.trafficPolicies.map((policy) => {
    const kept = recomputeTraffic.has(policy) ? undefined : previousTraffic.get(policy);
    if (kept !== undefined) return kept;
    const selection = trafficSelection.get(policy);
    return trafficPolicyWithStatus(next, policy, selection?.errors ?? [], selection?.selected ?? []);
  });
  const previousAccess = new Map(state.input.accessPolicies.map((p, i) => [p, state.result.accessPolicies[i]]));
  const accessPolicies = input.accessPolicies.map((policy) => {
    const kept = recomputeAccess.has(policy) ? undefined : previousAccess.get(policy);
    if (kept !== undefined) return kept;
    const selection = accessSelection.get(policy);
    return accessPolicyWithStatus(next, policy, selection?.errors ?? [], selection?.selected ?? []);
  });
  const destinationStatuses = state.result.destinations.map((destination, i) => {
    const indexed = plan.destinationByObject.get(state.input.destinations[i] ?? destination);
    return (indexed === undefined ? undefined : destinationStatus.get(indexed.order)) ?? destination;
  });

  // The clusters concerned: their last outputs patched, or (two objects of one identity) sorted again.
  const outputs = new Map<string, readonly KubeObject[]>(state.outputs);
  const unpatched = new Set<string>();
  for (const [cluster, { removed, added }] of edits) {
    const patched = patchedOutputs(state.outputs.get(cluster) ?? [], removed, added);
    if (patched === undefined) unpatched.add(cluster);
    else outputs.set(cluster, patched);
  }
  if (unpatched.size > 0) {
    const rewritten = clusterOutputs(unpatched, destinations, state.memberOutputs, state.virtualDestinationOutputs);
    for (const cluster of unpatched) outputs.set(cluster, rewritten.get(cluster) ?? []);
  }
  return {
    ...state,
    input,
    destinations,
    subsetSources,
    trafficSelection,
    accessSelection,
    outputs: sortedOutputs(outputs),
    result: { ...state.result, trafficPolicies, accessPolicies, destinations: destinationStatuses },
  };
}

// The contract between the mesh-neutral core and a mesh's translator. A mesh is one module that
// owns every output for its meshes: the core hands it one Destination with the policies selected
// for it, in claiming order (it decides which it can apply and, once every Destination is decided,
// writes the objects); each member Mesh of a VirtualMesh (trust, federation, default deny); and each
// VirtualDestination whose Meshes are of its type (failover). It declares what it can express.
import type { KubeObject } from '../../api/meta.ts';
import type { AccessPolicy, Mesh, TrafficPolicy } from '../model.ts';
import type { IndexedDestination } from '../networking-index.ts';
import type { NetworkingPlan } from '../plan/plan-model.ts';
import type { VirtualDestinationPlan } from '../plan/virtual-destinations.ts';
import type { VirtualMeshCheck } from '../plan/virtual-mesh-membership.ts';
import type { MeshSupport } from './support.ts';

export type PolicyState = 'ACCEPTED' | 'INVALID' | 'FAILED';

/**
 * A policy's result on one Destination. INVALID: the policy as written cannot apply there (a
 * reference to nothing, a feature the mesh cannot express, a conflict). FAILED: it is valid but
 * Mesh Hub could not apply it there (a mesh type not supported yet, a Destination it cannot serve).
 */
export interface PolicyOutcome {
  readonly state: PolicyState;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

/** A subset some accepted TrafficPolicy shifts traffic to: the target's DestinationRule defines it. */
export interface RequiredSubset {
  readonly target: IndexedDestination;
  readonly labels: Readonly<Record<string, string>>;
  readonly policy: TrafficPolicy;
  /** The Destination whose routes name the subset (its VirtualService is in its namespace and cluster). */
  readonly from: IndexedDestination;
}

export interface ClusterObject {
  readonly cluster: string;
  readonly object: KubeObject;
}

export interface DestinationDecision {
  readonly trafficPolicies: readonly (readonly [TrafficPolicy, PolicyOutcome])[];
  readonly accessPolicies: readonly (readonly [AccessPolicy, PolicyOutcome])[];
  readonly requiredSubsets: readonly RequiredSubset[];
  /** The Destination's output objects, given the subsets other Destinations' policies require of it. */
  readonly writeOutputs: (requiredSubsets: readonly RequiredSubset[]) => readonly ClusterObject[];
}

/** What one VirtualMesh member or one VirtualDestination becomes in a mesh, and what it could not. */
export interface MemberTranslation {
  readonly objects: readonly ClusterObject[];
  /** For the member's (or the VirtualDestination's) status: each names the feature and the Mesh. */
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  /** The part of a member's translation that is costly and reads little (shared trust), kept from pass to pass. */
  readonly kept?: KeptTranslation;
}

/**
 * A part of a member's translation with what it was computed from, compared item by item by
 * identity (or as text): a later pass given it keeps the part when those are the same.
 */
export interface KeptTranslation {
  readonly inputs: readonly unknown[];
  readonly objects: readonly ClusterObject[];
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

export interface MeshTranslator {
  /** What the mesh can express; the support matrix is generated from it. */
  readonly support: MeshSupport;
  decide(
    destination: IndexedDestination,
    trafficPolicies: readonly TrafficPolicy[],
    accessPolicies: readonly AccessPolicy[],
    plan: NetworkingPlan,
  ): DestinationDecision;
  /**
   * One accepted member Mesh of a VirtualMesh: shared trust, federation, default deny. `previous`
   * is the member's translation by an earlier pass, whose `kept` part may be reused.
   */
  translateMember(
    member: Mesh,
    check: VirtualMeshCheck,
    plan: NetworkingPlan,
    previous?: MemberTranslation,
  ): MemberTranslation;
  /** A VirtualDestination without planning errors whose Meshes are all of this translator's type. */
  translateVirtualDestination(virtualDestination: VirtualDestinationPlan, plan: NetworkingPlan): MemberTranslation;
}

export const NOTHING: MemberTranslation = { objects: [], errors: [], warnings: [] };

export function outcome(
  state: PolicyState,
  errors: readonly string[] = [],
  warnings: readonly string[] = [],
): PolicyOutcome {
  return { state, errors, warnings };
}

/** Every policy gets the same outcome and nothing is written: a Destination Mesh Hub cannot serve. */
export function rejectAll(
  trafficPolicies: readonly TrafficPolicy[],
  accessPolicies: readonly AccessPolicy[],
  result: PolicyOutcome,
): DestinationDecision {
  return {
    trafficPolicies: trafficPolicies.map((p) => [p, result] as const),
    accessPolicies: accessPolicies.map((p) => [p, result] as const),
    requiredSubsets: [],
    writeOutputs: () => [],
  };
}

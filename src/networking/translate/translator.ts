// The contract between the mesh-neutral core and a mesh's translator. The core hands each
// translator one Destination with the policies selected for it, in claiming order; the translator
// decides which it can apply and, once every Destination is decided, writes the output objects.
import type { KubeObject } from '../../api/meta.ts';
import type { AccessPolicy, TrafficPolicy } from '../model.ts';
import type { IndexedDestination, NetworkingIndex } from '../networking-index.ts';

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

export interface MeshTranslator {
  decide(
    destination: IndexedDestination,
    trafficPolicies: readonly TrafficPolicy[],
    accessPolicies: readonly AccessPolicy[],
    index: NetworkingIndex,
  ): DestinationDecision;
}

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

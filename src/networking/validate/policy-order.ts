// The order in which policies claim a Destination's fields: the first to claim a field keeps it.
//
// Rule (as Gloo Mesh 1.x intended it): policies already accepted on this Destination come first,
// those unchanged since (observedGeneration = generation) before modified ones, in their previous
// acceptance order; then every other policy by its key `<name>.<namespace>.`. Without earlier
// status (a first render) this is simply the key order. So a new policy never takes a field away
// from one that is already in force.
import type { ApprovalStatus } from '../../api/common/selectors.ts';
import type { ObjectMeta } from '../../api/meta.ts';
import { compareStrings, statusKey } from '../keys.ts';

export interface RankedPolicy {
  readonly metadata: ObjectMeta;
  readonly status?: {
    readonly observedGeneration?: number | undefined;
    readonly destinations?: Readonly<Record<string, ApprovalStatus>> | undefined;
  };
}

interface Rank {
  readonly accepted: boolean;
  readonly upToDate: boolean;
  readonly acceptanceOrder: number;
  readonly key: string;
}

function rankOf(policy: RankedPolicy, destinationKey: string): Rank {
  const previous = policy.status?.destinations?.[destinationKey];
  return {
    accepted: previous?.state === 'ACCEPTED',
    upToDate:
      policy.status?.observedGeneration !== undefined &&
      policy.status.observedGeneration === policy.metadata.generation,
    acceptanceOrder: previous?.acceptanceOrder ?? 0,
    key: statusKey(policy),
  };
}

function compareRanks(a: Rank, b: Rank): number {
  if (a.accepted !== b.accepted) return a.accepted ? -1 : 1;
  if (a.accepted) {
    if (a.upToDate !== b.upToDate) return a.upToDate ? -1 : 1;
    if (a.acceptanceOrder !== b.acceptanceOrder) return a.acceptanceOrder - b.acceptanceOrder;
  }
  return compareStrings(a.key, b.key);
}

/** The policies in the order they claim fields on the Destination with this status key. */
export function orderPolicies<P extends RankedPolicy>(policies: readonly P[], destinationKey: string): P[] {
  if (policies.length < 2) return [...policies];
  return policies
    .map((policy) => ({ policy, rank: rankOf(policy, destinationKey) }))
    .sort((a, b) => compareRanks(a.rank, b.rank))
    .map(({ policy }) => policy);
}

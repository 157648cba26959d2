// What one render pass changed from the last: per cluster, the outputs that are not the same
// objects any more, and the management objects likewise. An incremental pass keeps every object it
// did not recompute, so identity is the test, and writes are planned for these only: a changed
// object against what holds its key now, a gone object's key for deletion (unless it came back).
import type { KubeObject } from '../../api/meta.ts';
import type { RenderResult } from '../render.ts';

export interface ObjectChanges {
  /** Objects of this pass that the last one did not have (new, or rewritten under the same key). */
  readonly changed: readonly KubeObject[];
  /** Objects of the last pass that this one does not have (gone, or replaced by a rewritten one). */
  readonly gone: readonly KubeObject[];
}

export interface ClusterChanges extends ObjectChanges {
  /** The cluster's whole outputs now. */
  readonly desired: readonly KubeObject[];
  /** The cluster's whole outputs of the last pass. */
  readonly previous: readonly KubeObject[];
}

export interface ChangedOutputs {
  /** Clusters whose outputs changed, by name. */
  readonly clusters: ReadonlyMap<string, ClusterChanges>;
  /** Management objects (discovered objects and statuses). */
  readonly mgmt: ObjectChanges;
}

const NONE: readonly KubeObject[] = [];

/** The objects of `next` not in `previous` and those of `previous` not in `next`, by identity. */
export function objectChanges(previous: readonly KubeObject[], next: readonly KubeObject[]): ObjectChanges {
  if (previous === next) return { changed: NONE, gone: NONE };
  // Kept objects keep their places, but for those after an insertion or removal: skip the common
  // start and end, then (lists of one length) compare place by place; only objects that differ at
  // their place are compared as sets, so an object that merely moved is neither changed nor gone.
  let start = 0;
  const shorter = Math.min(previous.length, next.length);
  while (start < shorter && previous[start] === next[start]) start++;
  let endPrevious = previous.length;
  let endNext = next.length;
  while (endPrevious > start && endNext > start && previous[endPrevious - 1] === next[endNext - 1]) {
    endPrevious--;
    endNext--;
  }
  const before = new Set<KubeObject>();
  const after = new Set<KubeObject>();
  if (endPrevious - start === endNext - start) {
    for (let i = start; i < endPrevious; i++) {
      const [was, is] = [previous[i], next[i]];
      if (was === is) continue;
      if (was !== undefined) before.add(was);
      if (is !== undefined) after.add(is);
    }
  } else {
    for (const object of previous.slice(start, endPrevious)) before.add(object);
    for (const object of next.slice(start, endNext)) after.add(object);
  }
  if (before.size === 0 && after.size === 0) return { changed: NONE, gone: NONE };
  const changed: KubeObject[] = [];
  for (const object of after) if (!before.has(object)) changed.push(object);
  const gone: KubeObject[] = [];
  for (const object of before) if (!after.has(object)) gone.push(object);
  return { changed, gone };
}

export function changedOutputs(previous: RenderResult, next: RenderResult): ChangedOutputs {
  const clusters = new Map<string, ClusterChanges>();
  for (const [cluster, desired] of next.clusters) {
    const before = previous.clusters.get(cluster) ?? NONE;
    const changes = objectChanges(before, desired);
    if (changes.changed.length > 0 || changes.gone.length > 0)
      clusters.set(cluster, { ...changes, desired, previous: before });
  }
  for (const [cluster, before] of previous.clusters)
    if (!next.clusters.has(cluster) && before.length > 0)
      clusters.set(cluster, { changed: NONE, gone: before, desired: NONE, previous: before });
  return { clusters, mgmt: objectChanges(previous.mgmt, next.mgmt) };
}

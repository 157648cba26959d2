// What one render pass changed from the last: the clusters whose outputs are not the same objects
// any more and the management objects that are new. An incremental pass keeps every object it did
// not recompute, so identity is the test, and writes are planned for these only.
import type { KubeObject } from '../../api/meta.ts';
import type { RenderResult } from '../render.ts';

export interface ChangedOutputs {
  readonly clusters: ReadonlyMap<
    string,
    { readonly desired: readonly KubeObject[]; readonly live: readonly KubeObject[] }
  >;
  readonly mgmt: readonly KubeObject[];
}

function sameObjects(a: readonly KubeObject[], b: readonly KubeObject[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function changedOutputs(previous: RenderResult, next: RenderResult): ChangedOutputs {
  const clusters = new Map<string, { desired: readonly KubeObject[]; live: readonly KubeObject[] }>();
  for (const [cluster, desired] of next.clusters) {
    const live = previous.clusters.get(cluster) ?? [];
    if (!sameObjects(live, desired)) clusters.set(cluster, { desired, live });
  }
  for (const [cluster, live] of previous.clusters)
    if (!next.clusters.has(cluster)) clusters.set(cluster, { desired: [], live });
  const before = new Set(previous.mgmt);
  return { clusters, mgmt: next.mgmt.filter((object) => !before.has(object)) };
}

// What applying policy files to the management cluster would change: the same pure core run twice,
// on the snapshot as it is and with the files overlaid, compared by the diff engine. Pure.
import type { KubeObject } from '../api/meta.ts';
import { objectKey } from '../kube/resources.ts';
import { render, type RenderOptions, type RenderResult } from '../pipeline/render.ts';
import { holdsOf, retainedOutputs, withRetentionNotes, type Hold } from '../reconcile/retention.ts';
import type { InputObject, InputSnapshot } from '../snapshot/input.ts';
import { diffRenders, type RenderDiff, type RenderedObjects } from './render-diff.ts';

/** The kinds `meshctl diff -f` accepts: what users author on the management cluster. */
export const OVERLAY_KINDS: ReadonlySet<string> = new Set([
  'TrafficPolicy',
  'AccessPolicy',
  'VirtualMesh',
  'VirtualDestination',
  'Settings',
]);

function generationOf(object: KubeObject): number {
  return typeof object.metadata.generation === 'number' ? object.metadata.generation : 0;
}

function specOf(object: KubeObject): string {
  return JSON.stringify((object as { spec?: unknown }).spec ?? null);
}

/**
 * The snapshot with the objects applied as the API server would store them: an object of the same
 * kind, namespace and name is replaced (its generation goes up when its spec changes, so the status
 * computed for it is the one the management plane would write), a new one is added at generation 1.
 */
export function overlaySnapshot(snapshot: InputSnapshot, objects: readonly InputObject[]): InputSnapshot {
  const replacements = new Map(objects.map((input) => [objectKey(input.object), input] as const));
  const mgmt: InputObject[] = [];
  for (const input of snapshot.mgmt) {
    const key = objectKey(input.object);
    const replacement = replacements.get(key);
    if (replacement === undefined) {
      mgmt.push(input);
      continue;
    }
    replacements.delete(key);
    const live = input.object;
    const generation = generationOf(live) + (specOf(live) === specOf(replacement.object) ? 0 : 1);
    const { status } = live as { status?: unknown };
    mgmt.push({
      source: replacement.source,
      object: {
        ...replacement.object,
        metadata: { ...replacement.object.metadata, generation },
        // The stored status stays until the management plane writes the new one (conflict order reads it).
        ...(status === undefined ? {} : { status }),
      },
    });
  }
  for (const input of replacements.values()) {
    mgmt.push({
      source: input.source,
      object: { ...input.object, metadata: { ...input.object.metadata, generation: 1 } },
    });
  }
  return { ...snapshot, mgmt };
}

/**
 * The snapshot with the status recorded for each management object (by an earlier render) on those
 * that carry none: the management plane writes a status after every render, and the next render reads
 * it (a policy already accepted keeps its fields against a newer one). Files carry no status.
 */
export function withRecordedStatus(snapshot: InputSnapshot, recorded: readonly KubeObject[]): InputSnapshot {
  const statuses = new Map<string, unknown>();
  for (const object of recorded) {
    const { status } = object as { status?: unknown };
    if (status !== undefined) statuses.set(objectKey(object), status);
  }
  const mgmt = snapshot.mgmt.map((input): InputObject => {
    if ((input.object as { status?: unknown }).status !== undefined) return input;
    const status = statuses.get(objectKey(input.object));
    return status === undefined ? input : { source: input.source, object: { ...input.object, status } };
  });
  return { ...snapshot, mgmt };
}

/**
 * Renders the snapshot as it is, then with the objects applied (reading the statuses the first render
 * gave, as the management plane would), and compares the two.
 */
export function diffOverlay(
  snapshot: InputSnapshot,
  objects: readonly InputObject[],
  options: RenderOptions = {},
): RenderDiff {
  const before = render(snapshot, options);
  const after = render(withRecordedStatus(overlaySnapshot(snapshot, objects), before.mgmt), options);
  return diffRenders(before, asApplied(before, after));
}

/**
 * The second render as the management plane would apply it: outputs of a policy or VirtualMesh that
 * is not valid any more are kept, not deleted (src/reconcile/retention.ts), and its status says so.
 * Without this the diff would announce deletions that never happen.
 */
export function asApplied(before: RenderedObjects, after: RenderResult): RenderResult {
  const holds = holdsOf(after.mgmt, after.objectErrors);
  if (holds.length === 0) return after;
  const retained = new Map<string, Map<KubeObject, Hold[]>>();
  const clusters = new Map(after.clusters);
  for (const [cluster, previous] of before.clusters) {
    const wanted = clusters.get(cluster) ?? [];
    const desired = new Set(wanted.map(objectKey));
    const kept = retainedOutputs(
      cluster,
      previous.filter((object) => !desired.has(objectKey(object))),
      holds,
    );
    if (kept.size === 0) continue;
    retained.set(cluster, kept);
    clusters.set(cluster, [...wanted, ...kept.keys()]);
  }
  if (retained.size === 0) return after;
  return { ...after, clusters, mgmt: withRetentionNotes(after.mgmt, retained) };
}

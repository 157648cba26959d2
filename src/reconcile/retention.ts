// Fail closed: which live outputs are kept although the render no longer wants them. An output names
// the objects it was translated from in its parents annotation; while such a parent still exists
// but is not in a state that produces outputs, deleting its outputs would be the wrong reaction to
// bad or incomplete input: a VirtualMesh turning INVALID would drop default deny and the
// intermediate CAs, a policy turning INVALID would drop the traffic rules it had set. So:
//   - a VirtualMesh that exists and is not ACCEPTED keeps its outputs on the clusters of the meshes
//     it still lists (every cluster when such a mesh is not discovered);
//   - a TrafficPolicy or AccessPolicy that exists and is INVALID keeps its outputs;
//   - an object whose translation threw (reported on it by the render) keeps its outputs.
// The operator ends it by fixing the object, deleting it, or removing the mesh from spec.meshes; the
// object's status says what is kept. Pure.
import { PARENTS_ANNOTATION } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import { objectKey } from '../kube/resources.ts';

const NETWORKING = 'networking.mesh.gloo.solo.io/v1';
const POLICY_KINDS = new Set(['TrafficPolicy', 'AccessPolicy']);

/** A parent whose outputs are kept, where, and why. */
export interface Hold {
  /** `<apiVersion>, Kind=<Kind>|<namespace>/<name>`: the parent as the annotation names it. */
  readonly parent: string;
  /** Clusters whose outputs of this parent are kept ('all': wherever they are). */
  readonly clusters: ReadonlySet<string> | 'all';
  readonly reason: string;
  /** For a VirtualMesh: the listed meshes (status key, cluster when known) the hold covers. */
  readonly meshes?: readonly { readonly key: string; readonly cluster: string | undefined }[];
}

function parentKey(gvk: string, namespace: string, name: string): string {
  return `${gvk}|${namespace}/${name}`;
}

function keyOf(object: KubeObject): string {
  return parentKey(`${object.apiVersion}, Kind=${object.kind}`, object.metadata.namespace ?? '', object.metadata.name);
}

/** The parents an output names (none when the annotation is missing or not the expected JSON). */
export function parentsOf(object: KubeObject): string[] {
  const text = object.metadata.annotations?.[PARENTS_ANNOTATION];
  if (text === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return [];
  const keys: string[] = [];
  for (const [gvk, refs] of Object.entries(parsed)) {
    if (!Array.isArray(refs)) continue;
    for (const ref of refs as unknown[]) {
      const { name, namespace } = (ref ?? {}) as { name?: unknown; namespace?: unknown };
      if (typeof name === 'string') keys.push(parentKey(gvk, typeof namespace === 'string' ? namespace : '', name));
    }
  }
  return keys;
}

interface StatusLike {
  readonly state?: unknown;
  readonly errors?: unknown;
  readonly meshes?: unknown;
}

function statusOf(object: KubeObject): StatusLike {
  const status = (object as { status?: unknown }).status;
  return typeof status === 'object' && status !== null ? status : {};
}

function firstError(errors: unknown): string | undefined {
  return Array.isArray(errors) && typeof errors[0] === 'string' ? errors[0] : undefined;
}

/** The cluster of a discovered Mesh: `spec.<type>.installation.cluster`, whatever the mesh type. */
function meshCluster(mesh: KubeObject): string | undefined {
  const spec = (mesh as { spec?: Record<string, unknown> }).spec ?? {};
  for (const value of Object.values(spec)) {
    const cluster = (value as { installation?: { cluster?: unknown } } | null)?.installation?.cluster;
    if (typeof cluster === 'string' && cluster !== '') return cluster;
  }
  return undefined;
}

/**
 * The holds of a render: from the management objects with their computed status (VirtualMeshes,
 * policies, discovered Meshes) and the objects whose translation failed (`failed`: object → error).
 */
export function holdsOf(mgmt: readonly KubeObject[], failed: ReadonlyMap<string, string> = new Map()): Hold[] {
  const meshes = new Map<string, KubeObject>();
  for (const object of mgmt) {
    if (object.kind === 'Mesh') meshes.set(`${object.metadata.name}.${object.metadata.namespace ?? ''}.`, object);
  }
  const holds: Hold[] = [];
  for (const object of mgmt) {
    const failure = failed.size === 0 ? undefined : failed.get(objectKey(object));
    if (failure !== undefined) {
      holds.push({ parent: keyOf(object), clusters: 'all', reason: failure });
      continue;
    }
    const status = statusOf(object);
    if (object.apiVersion === NETWORKING && POLICY_KINDS.has(object.kind) && status.state === 'INVALID') {
      holds.push({
        parent: keyOf(object),
        clusters: 'all',
        reason: firstError(status.errors) ?? `the ${object.kind} is INVALID`,
      });
      continue;
    }
    if (object.apiVersion !== NETWORKING || object.kind !== 'VirtualMesh' || status.state === 'ACCEPTED') continue;
    const listed = (object as { spec?: { meshes?: unknown } }).spec?.meshes;
    const refs = Array.isArray(listed) ? (listed as { name?: unknown; namespace?: unknown }[]) : [];
    const covered: { key: string; cluster: string | undefined }[] = [];
    for (const ref of refs) {
      if (typeof ref.name !== 'string') continue;
      const key = `${ref.name}.${typeof ref.namespace === 'string' ? ref.namespace : ''}.`;
      const mesh = meshes.get(key);
      covered.push({ key, cluster: mesh === undefined ? undefined : meshCluster(mesh) });
    }
    if (covered.length === 0) continue;
    const clusters = covered.some((mesh) => mesh.cluster === undefined)
      ? 'all'
      : new Set(covered.flatMap((mesh) => (mesh.cluster === undefined ? [] : [mesh.cluster])));
    const state = typeof status.state === 'string' ? status.state : 'PENDING';
    holds.push({
      parent: keyOf(object),
      clusters,
      reason: firstError(status.errors) ?? `the VirtualMesh is ${state}`,
      meshes: covered,
    });
  }
  return holds;
}

/** What one cluster keeps: the live owned outputs not desired whose parents include a held one. */
export function retainedOutputs(
  cluster: string,
  undesired: readonly KubeObject[],
  holds: readonly Hold[],
): Map<KubeObject, Hold[]> {
  const applicable = new Map<string, Hold>();
  for (const hold of holds) {
    if (hold.clusters === 'all' || hold.clusters.has(cluster)) applicable.set(hold.parent, hold);
  }
  const retained = new Map<KubeObject, Hold[]>();
  if (applicable.size === 0) return retained;
  for (const object of undesired) {
    const by = parentsOf(object).flatMap((parent) => {
      const hold = applicable.get(parent);
      return hold === undefined ? [] : [hold];
    });
    if (by.length > 0) retained.set(object, by);
  }
  return retained;
}

function describeOutput(cluster: string, object: KubeObject): string {
  return `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name} on ${cluster}`;
}

/**
 * The management objects with a note on each held parent that keeps something: on a VirtualMesh one
 * error per mesh whose outputs are kept, on a policy one error naming what is kept. Stable wording
 * (sorted, counted), so an ongoing hold does not rewrite the status on every pass.
 */
export function withRetentionNotes(
  mgmt: readonly KubeObject[],
  retained: ReadonlyMap<string, ReadonlyMap<KubeObject, readonly Hold[]>>,
): KubeObject[] {
  const kept = new Map<string, { hold: Hold; outputs: string[]; clusters: Set<string> }>();
  for (const [cluster, objects] of retained) {
    for (const [object, holds] of objects) {
      for (const hold of holds) {
        const entry = kept.get(hold.parent) ?? { hold, outputs: [], clusters: new Set<string>() };
        entry.outputs.push(describeOutput(cluster, object));
        entry.clusters.add(cluster);
        kept.set(hold.parent, entry);
      }
    }
  }
  if (kept.size === 0) return [...mgmt];
  return mgmt.map((object) => {
    const entry = kept.get(keyOf(object));
    if (entry === undefined) return object;
    const status = (object as { status?: Record<string, unknown> }).status ?? {};
    const errors = Array.isArray(status.errors) ? (status.errors as string[]) : [];
    let notes: string[];
    if (entry.hold.meshes !== undefined) {
      notes = entry.hold.meshes
        .filter((mesh) => mesh.cluster === undefined || entry.clusters.has(mesh.cluster))
        .map(
          (mesh) =>
            `keeping the previously applied default deny and certificates for mesh ${mesh.key}: ${entry.hold.reason}`,
        );
    } else {
      const outputs = entry.outputs.sort();
      const more = outputs.length > 1 ? ` and ${String(outputs.length - 1)} more` : '';
      notes = [
        `keeping the previously applied ${outputs[0] ?? ''}${more} until this ${object.kind} is valid again or deleted: ${entry.hold.reason}`,
      ];
    }
    return { ...object, status: { ...status, errors: [...errors, ...notes] } };
  });
}

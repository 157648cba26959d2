// The one diff engine behind `meshctl render --diff-against` and `meshctl diff`: given two renders
// (the objects of the management cluster and of every workload cluster), which objects would be
// created, updated (field by field) and deleted, grouped by cluster, and how each policy's status
// would change. Pure; its result is plain JSON (the dashboard may serve it as is).
import type { KubeObject } from '../api/meta.ts';
import { MANAGEMENT_CLUSTER } from '../snapshot/output.ts';
import { compareObjects } from '../snapshot/order.ts';
import { diffFields, type FieldChange } from './field-diff.ts';
import { POLICY_KINDS, summarizePolicyStatus, type PolicyStatusSummary } from './policy-status.ts';

/** What one render produced: the management cluster's objects and each workload cluster's. */
export interface RenderedObjects {
  readonly mgmt: readonly KubeObject[];
  readonly clusters: ReadonlyMap<string, readonly KubeObject[]>;
}

export interface ObjectIdentity {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export type ObjectChange =
  | (ObjectIdentity & { readonly change: 'created'; readonly object: KubeObject })
  | (ObjectIdentity & { readonly change: 'updated'; readonly fields: readonly FieldChange[] })
  | (ObjectIdentity & { readonly change: 'deleted'; readonly object: KubeObject });

export interface ClusterChanges {
  /** `mgmt` for the management cluster (its objects compared without status), else the workload cluster. */
  readonly cluster: string;
  /** Sorted as every output is: apiVersion, kind, namespace, name. */
  readonly objects: readonly ObjectChange[];
}

export interface PolicyStatusChange {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** Absent when the policy is new. */
  readonly before?: PolicyStatusSummary;
  /** Absent when the policy is deleted. */
  readonly after?: PolicyStatusSummary;
}

export interface RenderDiff {
  /** False when nothing at all differs (exit code 0). */
  readonly changed: boolean;
  readonly counts: { readonly created: number; readonly updated: number; readonly deleted: number };
  /** Only clusters with a change; the management cluster first, then by name. */
  readonly clusters: readonly ClusterChanges[];
  /** Policies whose status differs (state or errors), new or deleted ones included, sorted by kind, namespace, name. */
  readonly policies: readonly PolicyStatusChange[];
}

/** Group (without version), kind, namespace and name: a new API version of one object is an update. */
function identityKey(object: KubeObject): string {
  const slash = object.apiVersion.indexOf('/');
  const group = slash === -1 ? '' : object.apiVersion.slice(0, slash);
  return `${group}\u0000${object.kind}\u0000${object.metadata.namespace ?? ''}\u0000${object.metadata.name}`;
}

function identity(object: KubeObject): ObjectIdentity {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
    name: object.metadata.name,
  };
}

/**
 * A management-cluster object as the diff compares it: its status is reported per policy instead,
 * and generation is the API server's counter, not something a policy file changes.
 */
function withoutBookkeeping(object: KubeObject): KubeObject {
  const { status: _status, ...rest } = object as KubeObject & { status?: unknown };
  const { generation: _generation, ...metadata } = object.metadata;
  return { ...rest, metadata };
}

function diffObjects(before: readonly KubeObject[], after: readonly KubeObject[]): ObjectChange[] {
  const old = new Map(before.map((object) => [identityKey(object), object] as const));
  const changes: { object: KubeObject; change: ObjectChange }[] = [];
  const seen = new Set<string>();
  for (const object of after) {
    const key = identityKey(object);
    seen.add(key);
    const previous = old.get(key);
    if (previous === undefined) {
      changes.push({ object, change: { ...identity(object), change: 'created', object } });
      continue;
    }
    const fields = diffFields(previous, object);
    if (fields.length > 0) changes.push({ object, change: { ...identity(object), change: 'updated', fields } });
  }
  for (const object of before) {
    if (!seen.has(identityKey(object))) {
      changes.push({ object, change: { ...identity(object), change: 'deleted', object } });
    }
  }
  return changes.sort((a, b) => compareObjects(a.object, b.object)).map(({ change }) => change);
}

function sameStatus(a: PolicyStatusSummary, b: PolicyStatusSummary): boolean {
  return a.state === b.state && a.errors.length === b.errors.length && a.errors.every((e, i) => e === b.errors[i]);
}

function diffPolicyStatus(before: readonly KubeObject[], after: readonly KubeObject[]): PolicyStatusChange[] {
  const policies = (objects: readonly KubeObject[]) =>
    new Map(objects.filter((o) => POLICY_KINDS.has(o.kind)).map((o) => [identityKey(o), o] as const));
  const old = policies(before);
  const next = policies(after);
  const changes: { object: KubeObject; change: PolicyStatusChange }[] = [];
  for (const key of new Set([...old.keys(), ...next.keys()])) {
    const previous = old.get(key);
    const current = next.get(key);
    const object = current ?? previous;
    if (object === undefined) continue;
    const was = previous === undefined ? undefined : summarizePolicyStatus(previous);
    const is = current === undefined ? undefined : summarizePolicyStatus(current);
    if (was !== undefined && is !== undefined && sameStatus(was, is)) continue;
    changes.push({
      object,
      change: {
        kind: object.kind,
        ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
        name: object.metadata.name,
        ...(was === undefined ? {} : { before: was }),
        ...(is === undefined ? {} : { after: is }),
      },
    });
  }
  return changes.sort((a, b) => compareObjects(a.object, b.object)).map(({ change }) => change);
}

export function diffRenders(before: RenderedObjects, after: RenderedObjects): RenderDiff {
  const clusters: ClusterChanges[] = [];
  const mgmt = diffObjects(before.mgmt.map(withoutBookkeeping), after.mgmt.map(withoutBookkeeping));
  if (mgmt.length > 0) clusters.push({ cluster: MANAGEMENT_CLUSTER, objects: mgmt });
  const names = [...new Set([...before.clusters.keys(), ...after.clusters.keys()])].sort();
  for (const cluster of names) {
    const objects = diffObjects(before.clusters.get(cluster) ?? [], after.clusters.get(cluster) ?? []);
    if (objects.length > 0) clusters.push({ cluster, objects });
  }
  const counts = { created: 0, updated: 0, deleted: 0 };
  for (const { objects } of clusters) for (const object of objects) counts[object.change]++;
  const policies = diffPolicyStatus(before.mgmt, after.mgmt);
  return { changed: clusters.length > 0 || policies.length > 0, counts, clusters, policies };
}

// Whether a new object is right, as the API server and the management plane would judge it: the
// kind's schema, then one pass of the pure networking core over the management cluster's objects
// with the new one added — the status the controller would write, and the outputs it would change.
import { resourceSchema } from '../../api/kind.ts';
import type { KubeObject } from '../../api/meta.ts';
import { findKind } from '../../api/registry.ts';
import { canonicalJson } from '../../networking/canonical-json.ts';
import type { AccessPolicy, NetworkingInput, TrafficPolicy, VirtualMesh } from '../../networking/model.ts';
import { translateNetworking } from '../../networking/networking.ts';
import type { Catalog } from './catalog.ts';
import { flagName, type Question } from './questions.ts';

export interface ApprovalLine {
  /** A Destination's or Mesh's status key, `name.namespace.`. */
  readonly key: string;
  readonly state: string;
  readonly errors: readonly string[];
}

export interface OutputChange {
  readonly cluster: string;
  readonly change: 'created' | 'updated' | 'deleted';
  /** `Kind namespace/name`. */
  readonly object: string;
}

export interface Prediction {
  /** The state the controller would give the object. */
  readonly state: string;
  /** Problems of the object as a whole (its spec). */
  readonly errors: readonly string[];
  /** Per selected Destination (policies) or listed Mesh (VirtualMesh). */
  readonly approvals: readonly ApprovalLine[];
  readonly outputs: readonly OutputChange[];
}

/** Schema problems as `path: message`, e.g. `spec.policy.requestTimeout: …`. */
export function schemaErrors(object: KubeObject): string[] {
  const definition = findKind(object.apiVersion, object.kind);
  if (definition === undefined) return [`${object.apiVersion} ${object.kind}: not a Mesh Hub kind`];
  const result = resourceSchema(definition).safeParse(object);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const path = issue.path
      .map((p, i) => (typeof p === 'number' ? `[${String(p)}]` : `${i === 0 ? '' : '.'}${String(p)}`))
      .join('');
    return `${path === '' ? object.kind : path}: ${issue.message}`;
  });
}

const sameObject = (a: KubeObject, b: KubeObject) =>
  a.metadata.name === b.metadata.name && a.metadata.namespace === b.metadata.namespace;

function withObject<T extends KubeObject>(list: readonly T[], object: KubeObject, kind: string): T[] {
  const rest = list.filter((o) => !sameObject(o, object));
  // Schema-valid here: predict() is only called after schemaErrors() found nothing.
  return object.kind === kind ? [...rest, object as T] : rest;
}

function outputKey(object: KubeObject): string {
  return `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

function outputChanges(
  before: ReadonlyMap<string, readonly KubeObject[]>,
  after: ReadonlyMap<string, readonly KubeObject[]>,
): OutputChange[] {
  const changes: OutputChange[] = [];
  for (const cluster of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const old = new Map((before.get(cluster) ?? []).map((o) => [outputKey(o), canonicalJson(o)]));
    const now = new Map((after.get(cluster) ?? []).map((o) => [outputKey(o), canonicalJson(o)]));
    for (const [key, json] of now) {
      const previous = old.get(key);
      if (previous === undefined) changes.push({ cluster, change: 'created', object: key });
      else if (previous !== json) changes.push({ cluster, change: 'updated', object: key });
    }
    for (const key of old.keys()) if (!now.has(key)) changes.push({ cluster, change: 'deleted', object: key });
  }
  return changes;
}

interface StatusLike {
  readonly state?: string | undefined;
  readonly errors?: readonly string[] | undefined;
  readonly destinations?: Readonly<Record<string, { state?: string | undefined; errors?: string[] | undefined }>>;
  readonly meshes?: Readonly<Record<string, { state?: string | undefined; errors?: string[] | undefined }>>;
}

/** One pass of the networking core with the object added (or replacing one of the same name). */
export function predict(object: KubeObject, catalog: Catalog): Prediction {
  const input: NetworkingInput = {
    ...catalog,
    trafficPolicies: withObject<TrafficPolicy>(catalog.trafficPolicies, object, 'TrafficPolicy'),
    accessPolicies: withObject<AccessPolicy>(catalog.accessPolicies, object, 'AccessPolicy'),
    virtualMeshes: withObject<VirtualMesh>(catalog.virtualMeshes, object, 'VirtualMesh'),
  };
  const before = translateNetworking(catalog);
  const after = translateNetworking(input);
  const results: readonly KubeObject[] =
    object.kind === 'TrafficPolicy'
      ? after.trafficPolicies
      : object.kind === 'AccessPolicy'
        ? after.accessPolicies
        : after.virtualMeshes;
  const status: StatusLike =
    (results.find((o) => sameObject(o, object)) as { status?: StatusLike } | undefined)?.status ?? {};
  const approvals = Object.entries(status.destinations ?? status.meshes ?? {})
    .map(([key, approval]) => ({ key, state: approval.state ?? 'PENDING', errors: approval.errors ?? [] }))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  return {
    state: status.state ?? 'PENDING',
    errors: status.errors ?? [],
    approvals,
    outputs: outputChanges(before.outputs, after.outputs),
  };
}

/** Every problem of the object: its schema's, else the controller's verdict (spec and per Destination/Mesh). */
export function objectProblems(object: KubeObject, catalog: Catalog): { problems: string[]; prediction?: Prediction } {
  const schema = schemaErrors(object);
  if (schema.length > 0) return { problems: schema };
  const prediction = predict(object, catalog);
  const problems = [
    ...prediction.errors,
    ...prediction.approvals.flatMap((a) =>
      a.errors.map((e) => {
        if (object.kind !== 'VirtualMesh') return `${a.key}: ${e}`;
        // A Mesh's errors are the spec's own (already listed) or about the Mesh as listed in spec.meshes.
        return e.startsWith('spec.') ? e : `spec.meshes: ${e}`;
      }),
    ),
  ];
  return { problems: [...new Set(problems)], prediction };
}

/** Whether an error message is about one of these fields (`spec.policy.requestTimeout: …`, `conflict: policy.…`). */
function mentions(message: string, fields: readonly string[]): boolean {
  return fields.some((field) => {
    const bare = field.replace(/^spec\./, '');
    return [field, bare].some((f) => new RegExp(`(^|[\\s:])${f.replaceAll('.', '\\.')}([.\\[:\\s]|$)`).test(message));
  });
}

/** The problems that belong to a question: those naming one of its fields. */
export function problemsOf(question: Question, problems: readonly string[]): string[] {
  return problems.filter((p) => mentions(p, question.fields));
}

/** A problem with the flag that answers it named first, when one question owns its field. */
export function withFlag(problem: string, questions: readonly Question[]): string {
  const owner = questions.find((q) => mentions(problem, q.fields));
  return owner === undefined ? problem : `${flagName(owner)}: ${problem}`;
}

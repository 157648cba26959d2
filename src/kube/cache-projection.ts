// What a list+watch cache keeps of an object: what some pass reads, nothing else. managedFields and
// kubectl's last-applied annotation are dropped from every object (nobody reads them; they are often
// larger than the object). Pods keep only what discovery parses (src/api/k8s/workloads.ts `Pod`),
// Nodes their labels and addresses, workload controllers everything but their status. Other kinds are
// kept whole: the apply step compares their content and status with what it wants (src/kube/diff.ts).
import type { KubeObject } from '../api/meta.ts';
import { jsonEqual } from './diff.ts';

const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const CONTROLLER_KINDS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet']);

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Only the listed keys that are present. */
function pick(value: unknown, keys: readonly string[]): Json | undefined {
  if (!isRecord(value)) return undefined;
  const result: Json = {};
  for (const key of keys) if (value[key] !== undefined) result[key] = value[key];
  return result;
}

function metadataOf(metadata: KubeObject['metadata']): KubeObject['metadata'] {
  const { managedFields: _managedFields, ...rest } = metadata as KubeObject['metadata'] & { managedFields?: unknown };
  const annotations = rest.annotations;
  if (annotations === undefined || !(LAST_APPLIED_ANNOTATION in annotations)) return rest;
  const { [LAST_APPLIED_ANNOTATION]: _lastApplied, ...others } = annotations;
  if (Object.keys(others).length > 0) return { ...rest, annotations: others };
  const { annotations: _annotations, ...withoutAnnotations } = rest;
  return withoutAnnotations;
}

const CONTAINER_FIELDS = ['name', 'image', 'restartPolicy', 'ports'] as const;

function containers(value: unknown): Json[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map((container) => pick(container, CONTAINER_FIELDS) ?? {});
}

function podOf(object: KubeObject, metadata: KubeObject['metadata']): KubeObject {
  const spec = (object as { spec?: unknown }).spec;
  const status = (object as { status?: unknown }).status;
  const projectedSpec: Json = { ...pick(spec, ['serviceAccountName', 'nodeName']) };
  const main = containers(isRecord(spec) ? spec.containers : undefined);
  if (main !== undefined) projectedSpec.containers = main;
  const init = containers(isRecord(spec) ? spec.initContainers : undefined);
  if (init !== undefined) projectedSpec.initContainers = init;
  const projectedStatus = pick(status, ['podIP', 'phase']);
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata,
    ...(spec === undefined ? {} : { spec: projectedSpec }),
    ...(projectedStatus === undefined ? {} : { status: projectedStatus }),
  };
}

function nodeOf(object: KubeObject, metadata: KubeObject['metadata']): KubeObject {
  const addresses = (object as { status?: { addresses?: unknown } }).status?.addresses;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata,
    ...(addresses === undefined ? {} : { status: { addresses } }),
  };
}

/** The part of `object` a cache keeps. */
export function projectForCache(object: KubeObject): KubeObject {
  const metadata = metadataOf(object.metadata);
  const core = object.apiVersion === 'v1';
  if (core && object.kind === 'Pod') return podOf(object, metadata);
  if (core && object.kind === 'Node') return nodeOf(object, metadata);
  if (object.apiVersion === 'apps/v1' && CONTROLLER_KINDS.has(object.kind)) {
    const { status: _status, ...rest } = object as KubeObject & { status?: unknown };
    return { ...rest, metadata };
  }
  return metadata === object.metadata ? object : { ...object, metadata };
}

/** Whether two cached projections differ in anything but their resourceVersion (what a pass could see). */
export function projectionChanged(before: KubeObject | undefined, after: KubeObject): boolean {
  if (before === undefined) return true;
  const { resourceVersion: _a, ...beforeMeta } = before.metadata;
  const { resourceVersion: _b, ...afterMeta } = after.metadata;
  if (!jsonEqual(beforeMeta, afterMeta)) return true;
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (key === 'metadata') continue;
    if (!jsonEqual((before as Json)[key], (after as Json)[key])) return true;
  }
  return false;
}

// Kubernetes object metadata as Mesh Hub reads it: the fields it uses are typed, the rest is kept.
import { z } from 'zod';
import { Int64 } from './common/scalars.ts';

export const OwnerReference = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string().optional(),
  controller: z.boolean().optional(),
});

export const ObjectMeta = z.looseObject({
  name: z.string().min(1),
  namespace: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  generation: Int64.optional(),
  resourceVersion: z.string().optional(),
  uid: z.string().optional(),
  creationTimestamp: z.string().optional(),
  ownerReferences: z.array(OwnerReference).optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMeta>;

/** Any Kubernetes object: enough structure to index it, everything else kept as it is. */
export const KubeObject = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: ObjectMeta,
});
export type KubeObject = z.infer<typeof KubeObject>;

/**
 * Whether `value` certainly passes KubeObject as it is (the fields the schema checks, checked the same
 * way), so the reader can keep it without zod's copy. False answers nothing: the schema then decides
 * and words the error. Reading large estates spends much of its time in that copy otherwise.
 */
export function isPlainKubeObject(value: Record<string, unknown>): value is KubeObject {
  if (!isRecord(value) || !isNonEmptyString(value.apiVersion) || !isNonEmptyString(value.kind)) return false;
  const meta = value.metadata;
  if (!isRecord(meta) || !isNonEmptyString(meta.name)) return false;
  return (
    optionalString(meta.namespace) &&
    optionalStringMap(meta.labels) &&
    optionalStringMap(meta.annotations) &&
    (meta.generation === undefined || Number.isSafeInteger(meta.generation)) &&
    optionalString(meta.resourceVersion) &&
    optionalString(meta.uid) &&
    optionalString(meta.creationTimestamp) &&
    (meta.ownerReferences === undefined ||
      (Array.isArray(meta.ownerReferences) && meta.ownerReferences.every(isPlainOwnerReference)))
  );
}

function isPlainOwnerReference(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.apiVersion === 'string' &&
    typeof value.kind === 'string' &&
    typeof value.name === 'string' &&
    optionalString(value.uid) &&
    (value.controller === undefined || typeof value.controller === 'boolean')
  );
}

/** A mapping as JSON.parse and the YAML reader make them (others go through the schema, which copies). */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function isNonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

function optionalString(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}

function optionalStringMap(value: unknown): boolean {
  if (value === undefined) return true;
  if (!isRecord(value)) return false;
  for (const item of Object.values(value)) if (typeof item !== 'string') return false;
  return true;
}

// Schema validation of management-plane objects, at the input boundary: each object of a Mesh Hub
// kind becomes a typed object of its kind (the kinds the networking pass reads each have their own
// variant), or, when it fails its schema, an error list reported on the object itself (status
// INVALID, naming the field). Nothing here throws on bad input.
import type { z } from 'zod';
import { fieldPath } from '../api/common/field-path.ts';
import { virtualDestinationKind } from '../api/enterprise/v1beta1/virtual-destination.ts';
import type { KindDefinition } from '../api/kind.ts';
import { resourceSchema } from '../api/kind.ts';
import type { KubeObject } from '../api/meta.ts';
import { kubernetesClusterKind } from '../api/multicluster/v1alpha1/kubernetes-cluster.ts';
import { accessPolicyKind, AccessPolicyStatus } from '../api/networking/v1/access-policy.ts';
import { trafficPolicyKind, TrafficPolicyStatus } from '../api/networking/v1/traffic-policy.ts';
import { virtualMeshKind } from '../api/networking/v1/virtual-mesh.ts';
import { findKind } from '../api/registry.ts';
import { settingsKind } from '../api/settings/v1/settings.ts';
import type {
  AccessPolicy,
  KubernetesCluster,
  Settings,
  TrafficPolicy,
  VirtualDestination,
  VirtualMesh,
} from '../networking/model.ts';
import type { InputObject } from '../snapshot/input.ts';
import { managementKey, type ResourceKey } from '../snapshot/resource-key.ts';

export interface FieldError {
  /** e.g. `spec.policy.retries.attempts`. */
  readonly path: string;
  readonly message: string;
}

/**
 * A schema-valid management object, typed by its kind. Policies carry the status they were read
 * with when it is well formed: it only orders contested fields (policy-order.ts).
 */
export type TypedObject =
  | { readonly kind: 'TrafficPolicy'; readonly object: TrafficPolicy }
  | { readonly kind: 'AccessPolicy'; readonly object: AccessPolicy }
  | { readonly kind: 'VirtualMesh'; readonly object: VirtualMesh }
  | { readonly kind: 'VirtualDestination'; readonly object: VirtualDestination }
  | { readonly kind: 'KubernetesCluster'; readonly object: KubernetesCluster }
  | { readonly kind: 'Settings'; readonly object: Settings }
  /** Any other Mesh Hub kind (a Mesh written by hand, an IssuedCertificate …): passed through. */
  | { readonly kind: 'other'; readonly object: KubeObject };

export type CheckedObject =
  | {
      readonly outcome: 'valid';
      readonly key: ResourceKey;
      readonly typed: TypedObject;
      readonly input: InputObject;
    }
  | {
      readonly outcome: 'invalid';
      readonly key: ResourceKey;
      readonly errors: readonly FieldError[];
      readonly input: InputObject;
    }
  /** Not a Mesh Hub kind (a Secret holding a root CA, a Namespace …): passed through unchecked. */
  | { readonly outcome: 'foreign'; readonly key: ResourceKey; readonly input: InputObject };

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: FieldError[] };

function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: fieldPath(issue.path) || '(object)', message: issue.message }));
}

/** One kind's object read with that kind's schema, without its status (Mesh Hub computes it). */
function parseWith<T extends { readonly status?: unknown }>(
  schema: z.ZodType<T>,
  object: KubeObject,
): Parsed<Omit<T, 'status'>> {
  const { status: _ignored, ...withoutStatus } = object;
  const result = schema.safeParse(withoutStatus);
  if (!result.success) return { ok: false, errors: fieldErrors(result.error) };
  const { status: _none, ...value } = result.data;
  return { ok: true, value };
}

const trafficPolicySchema = resourceSchema(trafficPolicyKind);
const accessPolicySchema = resourceSchema(accessPolicyKind);
const virtualMeshSchema = resourceSchema(virtualMeshKind);
const virtualDestinationSchema = resourceSchema(virtualDestinationKind);
const kubernetesClusterSchema = resourceSchema(kubernetesClusterKind);
const settingsSchema = resourceSchema(settingsKind);
const parseTrafficPolicy = (object: KubeObject) => parseWith(trafficPolicySchema, object);
const parseAccessPolicy = (object: KubeObject) => parseWith(accessPolicySchema, object);
const parseVirtualMesh = (object: KubeObject) => parseWith(virtualMeshSchema, object);
const parseVirtualDestination = (object: KubeObject) => parseWith(virtualDestinationSchema, object);
const parseKubernetesCluster = (object: KubeObject) => parseWith(kubernetesClusterSchema, object);
const parseSettings = (object: KubeObject) => parseWith(settingsSchema, object);

const otherSchemas = new Map<KindDefinition, z.ZodType>();

function parseOther(definition: KindDefinition, object: KubeObject): Parsed<KubeObject> {
  let schema = otherSchemas.get(definition);
  if (schema === undefined) {
    schema = resourceSchema(definition);
    otherSchemas.set(definition, schema);
  }
  const { status: _ignored, ...withoutStatus } = object;
  const result = schema.safeParse(withoutStatus);
  if (!result.success) return { ok: false, errors: fieldErrors(result.error) };
  // The schema is that of a whole resource of this kind: apiVersion, kind, metadata, spec.
  return { ok: true, value: result.data as KubeObject };
}

/** The status an object was read with, when it parses; undefined otherwise (it is recomputed anyway). */
function previousStatus<S extends z.ZodType>(schema: S, status: unknown): { status: z.output<S> } | undefined {
  if (status === undefined) return undefined;
  const parsed = schema.safeParse(status);
  return parsed.success ? { status: parsed.data } : undefined;
}

function typedOf(definition: KindDefinition, object: KubeObject): Parsed<TypedObject> {
  const status = (object as { status?: unknown }).status;
  if (definition === trafficPolicyKind) {
    const parsed = parseTrafficPolicy(object);
    return parsed.ok
      ? {
          ok: true,
          value: { kind: 'TrafficPolicy', object: { ...parsed.value, ...previousStatus(TrafficPolicyStatus, status) } },
        }
      : parsed;
  }
  if (definition === accessPolicyKind) {
    const parsed = parseAccessPolicy(object);
    return parsed.ok
      ? {
          ok: true,
          value: { kind: 'AccessPolicy', object: { ...parsed.value, ...previousStatus(AccessPolicyStatus, status) } },
        }
      : parsed;
  }
  if (definition === virtualMeshKind) {
    const parsed = parseVirtualMesh(object);
    return parsed.ok ? { ok: true, value: { kind: 'VirtualMesh', object: parsed.value } } : parsed;
  }
  if (definition === virtualDestinationKind) {
    const parsed = parseVirtualDestination(object);
    return parsed.ok ? { ok: true, value: { kind: 'VirtualDestination', object: parsed.value } } : parsed;
  }
  if (definition === kubernetesClusterKind) {
    const parsed = parseKubernetesCluster(object);
    return parsed.ok ? { ok: true, value: { kind: 'KubernetesCluster', object: parsed.value } } : parsed;
  }
  if (definition === settingsKind) {
    const parsed = parseSettings(object);
    return parsed.ok ? { ok: true, value: { kind: 'Settings', object: parsed.value } } : parsed;
  }
  const parsed = parseOther(definition, object);
  return parsed.ok ? { ok: true, value: { kind: 'other', object: parsed.value } } : parsed;
}

export function checkManagementObject(input: InputObject): CheckedObject {
  const key = managementKey(input.object);
  const definition = findKind(input.object.apiVersion, input.object.kind);
  if (definition === undefined) return { outcome: 'foreign', key, input };
  const parsed = typedOf(definition, input.object);
  return parsed.ok
    ? { outcome: 'valid', key, typed: parsed.value, input }
    : { outcome: 'invalid', key, errors: parsed.errors, input };
}

/** The object as it appears in output when its schema check failed. */
export function withInvalidStatus(object: KubeObject, errors: readonly FieldError[]): KubeObject {
  const { status: _ignored, ...rest } = object;
  return {
    ...rest,
    status: {
      ...(object.metadata.generation === undefined ? {} : { observedGeneration: object.metadata.generation }),
      state: 'INVALID',
      errors: errors.map((error) => `${error.path}: ${error.message}`),
    },
  };
}

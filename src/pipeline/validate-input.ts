// Schema validation of management-plane objects. An object of a Mesh Hub kind that fails its
// schema is not thrown on: it is reported on the object itself (status INVALID, naming the field).
import type { z } from 'zod';
import { fieldPath } from '../api/common/field-path.ts';
import type { KindDefinition } from '../api/kind.ts';
import { resourceSchema } from '../api/kind.ts';
import type { KubeObject } from '../api/meta.ts';
import { findKind } from '../api/registry.ts';
import type { InputObject } from '../snapshot/input.ts';

export interface FieldError {
  /** e.g. `spec.policy.retries.attempts`. */
  readonly path: string;
  readonly message: string;
}

export type CheckedObject =
  | {
      readonly outcome: 'valid';
      readonly definition: KindDefinition;
      readonly object: KubeObject;
      readonly input: InputObject;
    }
  | {
      readonly outcome: 'invalid';
      readonly definition: KindDefinition;
      readonly errors: readonly FieldError[];
      readonly input: InputObject;
    }
  /** Not a Mesh Hub kind (a Secret holding a root CA, a Namespace …): passed through unchecked. */
  | { readonly outcome: 'foreign'; readonly input: InputObject };

const schemas = new Map<KindDefinition, z.ZodType>();

function schemaOf(definition: KindDefinition): z.ZodType {
  let schema = schemas.get(definition);
  if (schema === undefined) {
    schema = resourceSchema(definition);
    schemas.set(definition, schema);
  }
  return schema;
}

export function checkManagementObject(input: InputObject): CheckedObject {
  const definition = findKind(input.object.apiVersion, input.object.kind);
  if (definition === undefined) return { outcome: 'foreign', input };
  // Status is computed by Mesh Hub, never read from input: check the object without it.
  const { status: _ignored, ...withoutStatus } = input.object;
  const result = schemaOf(definition).safeParse(withoutStatus);
  if (result.success) return { outcome: 'valid', definition, object: result.data as KubeObject, input };
  const errors = result.error.issues.map((issue) => ({
    path: fieldPath(issue.path) || '(object)',
    message: issue.message,
  }));
  return { outcome: 'invalid', definition, errors, input };
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

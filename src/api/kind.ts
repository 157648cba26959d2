// One definition per kind: the zod schemas of spec and status are the single source of the
// TypeScript types, runtime validation and the generated CustomResourceDefinition.
import { z } from 'zod';
import { ObjectMeta } from './meta.ts';

export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
}

export interface KindDefinition<Spec extends z.ZodType = z.ZodType, Status extends z.ZodType = z.ZodType> {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly scope: 'Namespaced' | 'Cluster';
  readonly description: string;
  readonly spec: Spec;
  readonly status: Status;
  readonly printerColumns: readonly PrinterColumn[];
}

export function defineKind<Spec extends z.ZodType, Status extends z.ZodType>(
  definition: KindDefinition<Spec, Status>,
): KindDefinition<Spec, Status> {
  return definition;
}

export function apiVersionOf(definition: KindDefinition): string {
  return `${definition.group}/${definition.version}`;
}

/** The schema of a whole object of this kind: apiVersion, kind, metadata, spec, optional status. */
export function resourceSchema<Spec extends z.ZodType, Status extends z.ZodType>(
  definition: KindDefinition<Spec, Status>,
) {
  return z.object({
    apiVersion: z.literal(apiVersionOf(definition)),
    kind: z.literal(definition.kind),
    metadata: ObjectMeta,
    spec: definition.spec,
    status: definition.status.optional(),
  });
}

export type Resource<D extends KindDefinition> = {
  apiVersion: string;
  kind: string;
  metadata: z.infer<typeof ObjectMeta>;
  spec: z.infer<D['spec']>;
  status?: z.infer<D['status']>;
};

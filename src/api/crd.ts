// CustomResourceDefinitions generated from the zod schemas, as Kubernetes structural schemas.
import { z } from 'zod';
import type { KindDefinition } from './kind.ts';

export type JsonSchema = { [key: string]: unknown };

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Turns a zod JSON Schema node into a Kubernetes structural schema node (recursively). */
export function toStructural(node: JsonSchema, path = '$'): JsonSchema {
  if ('$ref' in node || '$defs' in node) throw new Error(`${path}: references cannot appear in a CRD schema`);
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    switch (key) {
      case '$schema':
      case 'propertyNames':
        break;
      case 'properties': {
        const properties: JsonSchema = {};
        for (const [name, child] of Object.entries(value as JsonSchema)) {
          properties[name] = toStructural(child as JsonSchema, `${path}.${name}`);
        }
        out.properties = properties;
        break;
      }
      case 'items':
        out.items = toStructural(value as JsonSchema, `${path}[]`);
        break;
      case 'additionalProperties':
        if (value === false) break; // closed objects: the API server prunes unknown fields instead
        if (isFreeForm(value)) out['x-kubernetes-preserve-unknown-fields'] = true;
        else out.additionalProperties = toStructural(value as JsonSchema, `${path}.*`);
        break;
      default:
        out[key] = value;
    }
  }
  if (out.type === 'integer') {
    const min = out.minimum;
    const max = out.maximum;
    if (min === INT32_MIN && max === INT32_MAX) {
      delete out.minimum;
      delete out.maximum;
      out.format = 'int32';
    } else if (typeof min === 'number' && min < INT32_MIN) {
      delete out.minimum;
      delete out.maximum;
      out.format = 'int64';
    } else {
      out.format = max === 4294967295 ? 'int64' : 'int32';
      if (max === 4294967295) delete out.maximum;
    }
  }
  if (out.type === undefined) {
    if (Object.keys(out).length === 0) return { 'x-kubernetes-preserve-unknown-fields': true };
    throw new Error(`${path}: a structural schema needs a type on every node (got ${JSON.stringify(node)})`);
  }
  if (out.type === 'object' && out.properties === undefined && out.additionalProperties === undefined) {
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  return out;
}

function isFreeForm(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

export function openApiSchemaOf(schema: z.ZodType): JsonSchema {
  return toStructural(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }));
}

export function generateCrd(definition: KindDefinition): JsonSchema {
  const spec = openApiSchemaOf(definition.spec);
  const status = openApiSchemaOf(definition.status);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${definition.plural}.${definition.group}`,
      labels: { 'app.kubernetes.io/part-of': 'mesh-hub' },
    },
    spec: {
      group: definition.group,
      names: {
        kind: definition.kind,
        listKind: `${definition.kind}List`,
        plural: definition.plural,
        singular: definition.singular,
        ...(definition.shortNames.length > 0 ? { shortNames: [...definition.shortNames] } : {}),
        categories: ['gloo-mesh', 'mesh-hub'],
      },
      scope: definition.scope,
      versions: [
        {
          name: definition.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: definition.printerColumns.map((column) => ({ ...column })),
          schema: {
            openAPIV3Schema: {
              description: definition.description,
              type: 'object',
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec,
                status,
              },
            },
          },
        },
      ],
    },
  };
}

export function crdFileName(definition: KindDefinition): string {
  return `${definition.group}_${definition.plural}.yaml`;
}

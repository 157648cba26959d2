// The OpenAPI description of the dashboard's API, generated from the zod schemas in api-schema.ts
// (so it cannot drift from what the server returns) plus the table of routes below, which the
// server's router is checked against by a test.
import { z } from 'zod';
import { ListQuery, NAMED_SCHEMAS } from './api-schema.ts';

type SchemaName = keyof typeof NAMED_SCHEMAS;

export interface RouteDescription {
  readonly path: string;
  readonly summary: string;
  readonly response: SchemaName | 'text/event-stream' | 'OpenAPI';
  readonly pathParameters?: readonly string[];
  readonly listQuery?: boolean;
  readonly queryParameters?: readonly { name: string; description: string }[];
}

export const ROUTES: readonly RouteDescription[] = [
  {
    path: '/api/overview',
    summary:
      'Clusters (reachable or not, since when), meshes by type and version, counts, and every object in a bad state',
    response: 'Overview',
  },
  {
    path: '/api/destinations',
    summary: 'Destinations with their metrics, filtered, searched, sorted and paged on the server',
    response: 'DestinationPage',
    listQuery: true,
  },
  {
    path: '/api/destinations/{namespace}/{name}',
    summary:
      'One Destination: policies applied and rejected (with the reason), the objects written for it in each cluster, its status',
    response: 'DestinationDetail',
    pathParameters: ['namespace', 'name'],
  },
  {
    path: '/api/workloads',
    summary: 'Workloads with their metrics, filtered, searched, sorted and paged on the server',
    response: 'WorkloadPage',
    listQuery: true,
  },
  {
    path: '/api/workloads/{namespace}/{name}',
    summary: 'One Workload: the Destinations that select it and the policies it is a source of',
    response: 'WorkloadDetail',
    pathParameters: ['namespace', 'name'],
  },
  {
    path: '/api/policies',
    summary: 'TrafficPolicies and AccessPolicies with their state and errors in plain words',
    response: 'PolicyList',
  },
  {
    path: '/api/policies/{kind}/{namespace}/{name}',
    summary: 'One TrafficPolicy or AccessPolicy: its state per Destination and the objects written for it',
    response: 'PolicyDetail',
    pathParameters: ['kind', 'namespace', 'name'],
  },
  {
    path: '/api/virtualmeshes',
    summary: 'VirtualMeshes: state per Mesh, trust and certificates, where each Destination is federated',
    response: 'VirtualMeshList',
  },
  {
    path: '/api/graph',
    summary: 'The service graph: Workloads and Destinations across clusters and meshes, edges with their traffic',
    response: 'Graph',
  },
  {
    path: '/api/events',
    summary:
      'Server-sent events: `change` with the new revision whenever the estate changes (read it with fetch to send the Authorization header)',
    response: 'text/event-stream',
  },
  { path: '/api/openapi.json', summary: 'This description', response: 'OpenAPI' },
];

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });

function listParameters(): object[] {
  const shape = z.toJSONSchema(ListQuery, { target: 'openapi-3.0', io: 'input' }) as {
    properties?: Record<string, object>;
  };
  return Object.entries(shape.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: false,
    schema,
  }));
}

export function openApiDocument(version: string): object {
  const registry = z.registry<{ id: string }>();
  for (const [name, schema] of Object.entries(NAMED_SCHEMAS)) registry.add(schema, { id: name });
  const generated = z.toJSONSchema(registry, {
    target: 'openapi-3.0',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Record<string, unknown>> };
  const schemas = Object.fromEntries(
    Object.entries(generated.schemas).map(([name, schema]) => {
      const { $id: _id, ...rest } = schema;
      return [name, rest];
    }),
  );
  const errors = {
    '401': {
      description: 'no token, or a token the management cluster does not accept',
      content: { 'application/json': { schema: ref('ApiError') } },
    },
    '404': {
      description: 'no such object, or not one this user may read',
      content: { 'application/json': { schema: ref('ApiError') } },
    },
  };
  const paths = Object.fromEntries(
    ROUTES.map((route) => {
      const parameters = [
        ...(route.pathParameters ?? []).map((name) => ({
          name,
          in: 'path',
          required: true,
          schema: { type: 'string' },
        })),
        ...(route.listQuery === true ? listParameters() : []),
      ];
      const content =
        route.response === 'text/event-stream'
          ? { 'text/event-stream': { schema: { type: 'string' } } }
          : route.response === 'OpenAPI'
            ? { 'application/json': { schema: { type: 'object' } } }
            : { 'application/json': { schema: ref(route.response) } };
      return [
        route.path,
        {
          get: {
            summary: route.summary,
            ...(parameters.length === 0 ? {} : { parameters }),
            responses: { '200': { description: 'OK', content }, ...errors },
          },
        },
      ];
    }),
  );
  return {
    openapi: '3.0.3',
    info: {
      title: 'Mesh Hub dashboard API',
      version,
      description:
        'Read-only view of the Mesh Hub estate. In a cluster every request carries the Kubernetes bearer token of its user; the answers hold only what that user may list.',
    },
    components: {
      schemas,
      securitySchemes: { kubernetesToken: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ kubernetesToken: [] }],
    paths,
  };
}

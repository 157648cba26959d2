// The OpenAPI description of the dashboard's API, generated from the zod schemas in api-schema.ts
// (so it cannot drift from what the server returns) plus the table of routes below, which the
// server's router is checked against by a test.
import { z } from 'zod';
import { ExplainQuery, ListQuery, NAMED_SCHEMAS } from './api-schema.ts';
import { MAX_DIFF_BODY_BYTES } from './estate-compute.ts';

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

/**
 * Diff and explain: computed on the live estate for the posted policies or the asked request (they
 * read the whole estate, one at a time per server). Kept apart from ROUTES, whose every path answers
 * a plain GET.
 */
export const COMPUTE_ROUTES = [
  {
    path: '/api/diff',
    method: 'post',
    summary:
      'What applying the posted policy YAML (TrafficPolicy, AccessPolicy, VirtualMesh, VirtualDestination, Settings; one or more documents) would change in every cluster, and the status each policy would get; writes nothing',
    response: 'DiffResult',
  },
  {
    path: '/api/explain',
    method: 'get',
    summary:
      'How one hypothetical request would be routed (route, TrafficPolicies, timeout, retries, backends) and whether the AccessPolicies allow it',
    response: 'Explanation',
  },
] as const satisfies readonly { path: string; method: 'get' | 'post'; summary: string; response: SchemaName }[];

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
  const paths: Record<string, object> = Object.fromEntries(
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
  const jsonError = (description: string) => ({
    description,
    content: { 'application/json': { schema: ref('ApiError') } },
  });
  const warningsHeader = {
    'X-Mesh-Hub-Warnings': {
      description:
        'clusters that could not be read (their last discovered objects stand in): a URI-encoded JSON list of strings',
      schema: { type: 'string' },
    },
  };
  const computeErrors = {
    '400': jsonError('bad input, named: the document and field, or the query parameter'),
    '401': errors['401'],
    '403': jsonError('this user may not list every Mesh Hub kind where it is held, which diff and explain need'),
    '429': jsonError('another diff or explain is being computed; retry after the Retry-After seconds'),
    '503': jsonError('the estate could not be read'),
  };
  const explainParameters = Object.entries(
    (
      z.toJSONSchema(ExplainQuery, { target: 'openapi-3.0', io: 'input' }) as {
        properties?: Record<string, { description?: string }>;
        required?: string[];
      }
    ).properties ?? {},
  ).map(([name, schema]) => ({
    name,
    in: 'query',
    required: name === 'to',
    ...(schema.description === undefined ? {} : { description: schema.description }),
    schema,
    ...(name === 'header' ? { style: 'form', explode: true } : {}),
  }));
  for (const route of COMPUTE_ROUTES) {
    const ok = {
      description: 'OK',
      headers: warningsHeader,
      content: { 'application/json': { schema: ref(route.response) } },
    };
    paths[route.path] =
      route.method === 'post'
        ? {
            post: {
              summary: route.summary,
              requestBody: {
                required: true,
                description: `policy YAML or JSON, at most ${String(MAX_DIFF_BODY_BYTES / 2 ** 20)} MiB`,
                content: { 'application/yaml': { schema: { type: 'string' } } },
              },
              responses: {
                '200': ok,
                ...computeErrors,
                '413': jsonError(`the body is over ${String(MAX_DIFF_BODY_BYTES / 2 ** 20)} MiB`),
                '415': jsonError('the body is not YAML or JSON'),
              },
            },
          }
        : {
            get: {
              summary: route.summary,
              parameters: explainParameters,
              responses: {
                '200': ok,
                ...computeErrors,
                '404': jsonError('no such Destination or Workload'),
              },
            },
          };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Mesh Hub dashboard API',
      version,
      description:
        'Read-only view of the Mesh Hub estate. In a cluster every request carries the Kubernetes bearer token of its user; the answers hold only what that user may list. POST /api/diff computes and writes nothing.',
    },
    components: {
      schemas,
      securitySchemes: { kubernetesToken: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ kubernetesToken: [] }],
    paths,
  };
}

// The dashboard's JSON API, one zod schema per response: the source of the TypeScript types the server
// builds, of the OpenAPI description served at /api/openapi.json (openapi.ts), and of what tests and
// clients (the web UI, meshctl) check a response against.
import { z } from 'zod';
import { EXPIRY_STATES } from '../certs/expiry-states.ts';

export const ObjectRef = z
  .object({ kind: z.string(), namespace: z.string(), name: z.string() })
  .describe('A Mesh Hub object on the management cluster.');

export const TrafficStats = z.object({
  rps: z.number().describe('requests per second over the window'),
  successRate: z.number().nullable().describe('non-5xx responses over all responses, 0..1; null without requests'),
  p50Ms: z.number().nullable(),
  p90Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
});
export type TrafficStats = z.infer<typeof TrafficStats>;

export const MetricsState = z
  .object({
    available: z.boolean().describe('whether any metrics could be read'),
    reason: z.string().optional().describe('why there are no metrics, in plain words'),
    windowSeconds: z.number(),
    collectedAt: z.string().optional(),
    clusters: z.array(
      z.object({
        cluster: z.string(),
        state: z.enum(['ok', 'no-metrics']),
        source: z.string().optional(),
        reason: z.string().optional(),
      }),
    ),
  })
  .describe('Whether traffic metrics are shown, per cluster, and why not.');
export type MetricsState = z.infer<typeof MetricsState>;

export const ClusterSummary = z.object({
  name: z.string(),
  namespace: z.string(),
  state: z.enum(['reachable', 'unreachable', 'pending', 'invalid']),
  message: z.string().optional(),
  since: z.string().describe('when this dashboard first saw the cluster in its current state (ISO 8601)'),
});
export type ClusterSummary = z.infer<typeof ClusterSummary>;

export const Problem = z
  .object({
    kind: z.string(),
    namespace: z.string(),
    name: z.string(),
    state: z.string(),
    message: z.string().describe('the first error, in plain words'),
  })
  .describe('An object in a bad state.');
export type Problem = z.infer<typeof Problem>;

export const Overview = z.object({
  revision: z.number().describe('changes whenever the estate changes (see /api/events)'),
  clusters: z.array(ClusterSummary),
  meshes: z.array(
    z.object({
      name: z.string(),
      namespace: z.string(),
      type: z.string(),
      version: z.string().optional(),
      cluster: z.string().optional(),
    }),
  ),
  meshesByType: z.array(z.object({ type: z.string(), version: z.string(), count: z.number() })),
  counts: z.object({
    clusters: z.number(),
    meshes: z.number(),
    workloads: z.number(),
    destinations: z.number(),
    trafficPolicies: z.number(),
    accessPolicies: z.number(),
    virtualMeshes: z.number(),
  }),
  problems: z.array(Problem),
  hidden: z.array(z.string()).describe('kinds this user may not read, so not counted'),
  metrics: MetricsState,
});
export type Overview = z.infer<typeof Overview>;

export const DestinationRow = z.object({
  name: z.string(),
  namespace: z.string(),
  cluster: z.string(),
  service: z.string().describe('namespace/name of the Service in its cluster'),
  mesh: z.string(),
  federated: z.boolean(),
  policies: z.number().describe('policies applied'),
  rejected: z.number().describe('policies that select it and were rejected'),
  metrics: TrafficStats.nullable(),
});
export type DestinationRow = z.infer<typeof DestinationRow>;

export const WorkloadRow = z.object({
  name: z.string(),
  namespace: z.string(),
  cluster: z.string(),
  controller: z.string().describe('namespace/name of its Deployment, StatefulSet or DaemonSet'),
  mesh: z.string(),
  serviceAccount: z.string(),
  metrics: TrafficStats.nullable(),
});
export type WorkloadRow = z.infer<typeof WorkloadRow>;

const Facets = z.object({ clusters: z.array(z.string()), meshes: z.array(z.string()) });

function page<T extends z.ZodType>(row: T) {
  return z.object({
    revision: z.number(),
    total: z.number().describe('rows that match the filters'),
    offset: z.number(),
    limit: z.number(),
    items: z.array(row),
    facets: Facets.describe('the values the cluster and mesh filters can take'),
    metrics: MetricsState,
  });
}

export const DestinationPage = page(DestinationRow);
export type DestinationPage = z.infer<typeof DestinationPage>;
export const WorkloadPage = page(WorkloadRow);
export type WorkloadPage = z.infer<typeof WorkloadPage>;

export const SortKey = z.enum(['name', 'cluster', 'mesh', 'rps', 'errors', 'p99']);
export type SortKey = z.infer<typeof SortKey>;

/** The query of the Destinations and Workloads lists, parsed at the boundary. */
export const ListQuery = z.object({
  search: z.string().max(200).default(''),
  cluster: z.string().max(253).default(''),
  mesh: z.string().max(253).default(''),
  state: z.enum(['', 'rejected']).default(''),
  sort: SortKey.default('name'),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type ListQuery = z.infer<typeof ListQuery>;

const Policy = z.object({
  kind: z.enum(['TrafficPolicy', 'AccessPolicy']),
  name: z.string(),
  namespace: z.string(),
  state: z.string(),
  errors: z.array(z.string()),
  warnings: z.array(z.string()),
  statusCurrent: z.boolean(),
});

export const WrittenObject = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  namespace: z.string(),
  name: z.string(),
  relation: z.enum(['parent', 'federated', 'translated']),
  yaml: z.string().describe('the object as read from its cluster'),
});

export const ClusterOutputs = z
  .object({
    cluster: z.string(),
    reachable: z.boolean(),
    error: z.string().optional(),
    objects: z.array(WrittenObject),
  })
  .describe('The objects Mesh Hub wrote for an object in one registered cluster.');

export const DestinationDetail = z.object({
  revision: z.number(),
  name: z.string(),
  namespace: z.string(),
  cluster: z.string().optional(),
  service: z.string().optional(),
  mesh: z.string().optional(),
  hostname: z.string().optional(),
  ports: z.array(z.string()),
  federation: z
    .object({ hostname: z.string().optional(), meshes: z.array(z.string()), virtualMesh: z.string().optional() })
    .optional(),
  policies: z.object({ applied: z.array(Policy), rejected: z.array(Policy), pending: z.array(Policy) }),
  outputs: z.array(ClusterOutputs),
  metrics: TrafficStats.nullable(),
  yaml: z.string().describe('the Destination with its status'),
});
export type DestinationDetail = z.infer<typeof DestinationDetail>;

export const WorkloadDetail = z.object({
  revision: z.number(),
  name: z.string(),
  namespace: z.string(),
  cluster: z.string().optional(),
  controller: z.string().optional(),
  mesh: z.string().optional(),
  serviceAccount: z.string().optional(),
  destinations: z.array(z.string()),
  sourceOf: z.array(z.object({ kind: z.string(), name: z.string(), namespace: z.string(), allWorkloads: z.boolean() })),
  metrics: TrafficStats.nullable(),
  yaml: z.string(),
});
export type WorkloadDetail = z.infer<typeof WorkloadDetail>;

const DestinationResult = z.object({
  destination: z.string(),
  namespace: z.string(),
  cluster: z.string().optional(),
  service: z.string().optional(),
  state: z.string(),
  errors: z.array(z.string()),
  warnings: z.array(z.string()),
});

export const PolicySummary = z.object({
  kind: z.enum(['TrafficPolicy', 'AccessPolicy']),
  name: z.string(),
  namespace: z.string(),
  state: z.string(),
  statusCurrent: z.boolean(),
  errors: z.array(z.string()).describe('errors of the policy as a whole and of each Destination, in plain words'),
  destinations: z.number(),
  rejectedDestinations: z.number(),
});
export type PolicySummary = z.infer<typeof PolicySummary>;

export const PolicyList = z.object({
  revision: z.number(),
  items: z.array(PolicySummary),
  hidden: z.array(z.string()),
});
export type PolicyList = z.infer<typeof PolicyList>;

export const PolicyDetail = z.object({
  revision: z.number(),
  kind: z.enum(['TrafficPolicy', 'AccessPolicy']),
  name: z.string(),
  namespace: z.string(),
  state: z.string(),
  statusCurrent: z.boolean(),
  errors: z.array(z.string()),
  destinationSelectors: z.array(z.string()),
  sourceSelectors: z.array(z.string()),
  destinations: z.array(DestinationResult),
  workloads: z.array(z.string()),
  outputs: z.array(ClusterOutputs),
  yaml: z.string(),
});
export type PolicyDetail = z.infer<typeof PolicyDetail>;

const Approval = z.object({ name: z.string(), state: z.string(), errors: z.array(z.string()) });

export const CertificateExpiry = z
  .object({
    state: z
      .enum(EXPIRY_STATES)
      .describe(
        'issued: valid; expiring: inside the rotation window (the last secretRotationGracePeriodRatio of its lifetime); expired; not-issued: none signed yet; unknown: could not be read (not expired)',
      ),
    notBefore: z.string().optional().describe('ISO 8601, when the validity is known'),
    notAfter: z.string().optional().describe('ISO 8601, when the validity is known'),
    daysLeft: z.number().optional().describe('whole days until notAfter, negative once expired'),
    summary: z.string().describe('the same in plain words'),
  })
  .describe('What the signed intermediate CA certificate (public, from its CertificateRequest) says now.');
export type CertificateExpiry = z.infer<typeof CertificateExpiry>;

export const VirtualMeshSummary = z.object({
  name: z.string(),
  namespace: z.string(),
  meshes: z.array(z.string()),
  mtls: z.string(),
  federation: z.string(),
  globalAccessPolicy: z.string(),
  state: z.string(),
  statusCurrent: z.boolean(),
  errors: z.array(z.string()),
  meshStates: z.array(Approval),
  destinationStates: z.array(Approval).describe('where each Destination is federated, and its state'),
  certificates: z
    .array(
      z.object({
        cluster: z.string(),
        issuedCertificate: z.string(),
        state: z.string().describe("the IssuedCertificate's state (PENDING, REQUESTED, ISSUED, FINISHED, FAILED)"),
        error: z.string().optional(),
        expiry: CertificateExpiry,
        root: z
          .object({ notBefore: z.string(), notAfter: z.string(), daysLeft: z.number() })
          .optional()
          .describe('the validity of the root CA that signed it'),
      }),
    )
    .describe("each member Mesh's intermediate CA, as its IssuedCertificate and CertificateRequest say"),
  unreadableClusters: z.array(z.object({ cluster: z.string(), error: z.string() })),
});
export type VirtualMeshSummary = z.infer<typeof VirtualMeshSummary>;

export const VirtualMeshList = z.object({
  revision: z.number(),
  items: z.array(VirtualMeshSummary),
  hidden: z.array(z.string()),
});
export type VirtualMeshList = z.infer<typeof VirtualMeshList>;

export const GraphNode = z.object({
  id: z.string().describe('namespace/name of the Workload or Destination; "outside" for callers not discovered'),
  kind: z.enum(['Workload', 'Destination', 'Outside']),
  name: z.string(),
  cluster: z.string(),
  mesh: z.string(),
});
export type GraphNode = z.infer<typeof GraphNode>;

export const GraphEdge = z.object({ from: z.string(), to: z.string(), crossCluster: z.boolean(), stats: TrafficStats });
export type GraphEdge = z.infer<typeof GraphEdge>;

export const Graph = z.object({
  revision: z.number(),
  nodes: z.array(GraphNode),
  edges: z.array(GraphEdge),
  metrics: MetricsState,
  truncated: z.boolean().describe('true when only the busiest nodes are shown'),
});
export type Graph = z.infer<typeof Graph>;

// The diff and explain views: the same result models as `meshctl diff -o json` and `meshctl explain
// request -o json` (src/diff/render-diff.ts, src/explain), described here for clients and the
// OpenAPI document; the server returns what those engines compute.

export const FieldChange = z
  .object({ path: z.string(), before: z.unknown().optional(), after: z.unknown().optional() })
  .describe('One changed field: `before` is absent for an added field, `after` for a removed one.');

const ObjectIdentity = {
  apiVersion: z.string(),
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
};

export const ObjectChange = z.discriminatedUnion('change', [
  z.object({ ...ObjectIdentity, change: z.literal('created'), object: z.record(z.string(), z.unknown()) }),
  z.object({ ...ObjectIdentity, change: z.literal('updated'), fields: z.array(FieldChange) }),
  z.object({ ...ObjectIdentity, change: z.literal('deleted'), object: z.record(z.string(), z.unknown()) }),
]);

export const PolicyStatusSummary = z.object({
  state: z.string().describe('ACCEPTED, INVALID, FAILED …; PENDING without a status'),
  errors: z
    .array(z.string())
    .describe('every error, each naming the field; per Destination as `<destination>: <message>`'),
  conflictsWith: z.array(z.string()).describe('`Kind namespace/name` of every policy a conflict names'),
});

export const DiffResult = z
  .object({
    changed: z.boolean().describe('false when nothing would change (meshctl diff exits 0)'),
    counts: z.object({ created: z.number(), updated: z.number(), deleted: z.number() }),
    clusters: z
      .array(
        z.object({ cluster: z.string().describe('`mgmt` for the management cluster'), objects: z.array(ObjectChange) }),
      )
      .describe('only clusters with a change: the management cluster first, then by name'),
    policies: z
      .array(
        z.object({
          kind: z.string(),
          namespace: z.string().optional(),
          name: z.string(),
          before: PolicyStatusSummary.optional().describe('absent for a new policy'),
          after: PolicyStatusSummary.optional().describe('absent for a deleted policy'),
        }),
      )
      .describe('policies whose status would change'),
  })
  .describe(
    'What applying the posted policies would change in every cluster (as `meshctl diff -o json`). Secret values are never shown.',
  );
export type DiffResult = z.infer<typeof DiffResult>;

export const UsedObject = z.object({
  cluster: z.string().describe('`mgmt` or a registered cluster'),
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
  routeIndex: z.number().optional(),
});

const Backend = z.object({
  host: z.string(),
  weight: z.number().describe('share of the requests, in percent'),
  objectWeight: z
    .number()
    .optional()
    .describe("the weight as the object writes it (Linkerd's and SMI's relative weights)"),
  port: z.number().optional(),
  subset: z.string().optional(),
  subsetLabels: z.record(z.string(), z.string()).optional(),
  destination: z.string().optional(),
  cluster: z.string().optional(),
  via: z.enum(['local', 'federation', 'unknown']),
});

export const Explanation = z
  .object({
    mesh: z.enum(['istio', 'linkerd', 'osm']).describe("the Destination's mesh, whose semantics the answer follows"),
    request: z.object({
      to: z.string(),
      from: z.string().optional(),
      method: z.string().optional(),
      path: z.string().optional(),
      headers: z.record(z.string(), z.string()).optional(),
    }),
    source: z
      .object({
        workload: z.string(),
        cluster: z.string(),
        namespace: z.string(),
        principal: z.string(),
        labels: z.record(z.string(), z.string()),
      })
      .optional(),
    destination: z.object({ name: z.string(), cluster: z.string(), host: z.string() }),
    clientCluster: z
      .string()
      .describe("the cluster whose sidecar routes the request (the source's, else the destination's)"),
    route: z.union([
      z.object({
        virtualService: UsedObject.optional(),
        routeObject: UsedObject.optional().describe(
          'the object that routes the request: VirtualService, HTTPRoute or TrafficSplit',
        ),
        routeIndex: z.number().optional(),
        reason: z.string(),
        trafficPolicies: z.array(z.string()).describe('namespace/name of the TrafficPolicies that put the route there'),
        timeout: z.string().optional(),
        retries: z.unknown().optional(),
        fault: z.unknown().optional(),
        mirror: z.unknown().optional(),
        backends: z.array(Backend),
      }),
      z.object({ error: z.string() }),
    ]),
    access: z.object({
      decision: z.enum(['ALLOW', 'DENY', 'UNKNOWN']),
      reason: z.string(),
      allowedBy: z.array(z.string()).describe('namespace/name of the AccessPolicies that allow it'),
      decidedBy: UsedObject.optional(),
    }),
    used: z.array(UsedObject).describe('every object the answer read'),
    notes: z.array(z.string()),
  })
  .describe('How one hypothetical request would be routed and authorized (as `meshctl explain request -o json`).');
export type Explanation = z.infer<typeof Explanation>;

const NAME = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const HEADER_NAME = /^:?[A-Za-z0-9!#$%&'*+.^_`|~-]{1,256}$/;

/** The query of /api/explain, parsed at the boundary (`header` repeats). */
export const ExplainQuery = z
  .object({
    to: z
      .string()
      .regex(NAME, 'a Destination name, e.g. reviews-bookinfo-cluster-1')
      .describe('the Destination called'),
    from: z
      .string()
      .regex(NAME, 'a Workload name, e.g. productpage-v1-bookinfo-cluster-1-deployment')
      .optional()
      .describe('the Workload that calls; without it the source is unknown'),
    method: z
      .string()
      .regex(/^[A-Za-z]{1,20}$/, 'an HTTP method such as GET')
      .optional()
      .describe('HTTP method (default GET)'),
    path: z
      .string()
      .max(4096)
      .regex(/^\/\S*$/, 'a path starting with / and without spaces')
      .optional()
      .describe('request path (default /)'),
    header: z
      .array(
        z
          .string()
          .max(8192)
          .refine((value) => HEADER_NAME.test(value.slice(0, Math.max(0, value.indexOf('=')))), 'expected NAME=VALUE'),
      )
      .max(32)
      .default([])
      .describe('request header as NAME=VALUE (repeatable)'),
  })
  .strict();
export type ExplainQuery = z.infer<typeof ExplainQuery>;

export const ApiError = z.object({
  error: z.string(),
  code: z.enum(['unauthenticated', 'forbidden', 'not-found', 'bad-request', 'too-large', 'busy', 'internal']),
});
export type ApiError = z.infer<typeof ApiError>;

/** The schemas named in the OpenAPI description (components.schemas), by name. */
export const NAMED_SCHEMAS = {
  ObjectRef,
  TrafficStats,
  MetricsState,
  ClusterSummary,
  Problem,
  Overview,
  DestinationRow,
  WorkloadRow,
  DestinationPage,
  WorkloadPage,
  WrittenObject,
  ClusterOutputs,
  DestinationDetail,
  WorkloadDetail,
  PolicySummary,
  PolicyList,
  PolicyDetail,
  CertificateExpiry,
  VirtualMeshSummary,
  VirtualMeshList,
  GraphNode,
  GraphEdge,
  Graph,
  FieldChange,
  PolicyStatusSummary,
  DiffResult,
  UsedObject,
  Explanation,
  ApiError,
} as const;

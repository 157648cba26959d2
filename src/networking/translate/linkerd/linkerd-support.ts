// What Mesh Hub can express on Linkerd (edge-26.8.3), feature by feature: the declarations the
// translator rejects policies by and the support matrix is generated from.
import type { MeshSupport } from '../support.ts';

export const LINKERD_SUPPORT: MeshSupport = {
  meshName: 'Linkerd',
  features: {
    requestTimeout: {
      level: 'supported',
      how: 'HTTPRoute (gateway.networking.k8s.io) rule timeouts.request, whole milliseconds',
    },
    retries: {
      level: 'partial',
      how: 'retry.linkerd.io/limit and /timeout annotations on the HTTPRoute, retrying 5xx responses; one HTTPRoute per distinct retry setting, since Linkerd reads retries per route',
    },
    corsPolicy: { level: 'unsupported', how: 'Linkerd has no CORS filter' },
    faultInjection: { level: 'unsupported', how: 'Linkerd has no fault injection' },
    mirror: { level: 'unsupported', how: "Linkerd's proxy does not implement HTTPRoute RequestMirror filters" },
    headerManipulation: {
      level: 'supported',
      how: 'HTTPRoute RequestHeaderModifier / ResponseHeaderModifier filters (and backendRef filters per shifted destination)',
    },
    trafficShift: {
      level: 'partial',
      how: 'weighted HTTPRoute backendRefs to Services of the same cluster, or to Linkerd multicluster mirror Services (`<svc>-<cluster>`) where a Link keeps them; no subsets (Linkerd has none), no virtualDestination, staticDestination or clusterHeader',
    },
    outlierDetection: {
      level: 'unsupported',
      how: "Linkerd's failure accrual is set by annotations on the Service, which Mesh Hub does not own",
    },
    mtls: {
      level: 'unsupported',
      how: 'Linkerd always uses mutual TLS between meshed pods; it has no per-destination TLS mode',
    },
    csrf: { level: 'unsupported', how: 'Linkerd has no CSRF filter' },
    rateLimit: {
      level: 'unsupported',
      how: 'HTTPLocalRateLimitPolicy is per server, not per route, and has no equivalent of the rate limit API',
    },
    requestMatchers: {
      level: 'partial',
      how: 'HTTPRoute matches on path (exact, prefix, regex), method, headers and query parameters; no inverted header match',
    },
    sourceSelector: {
      level: 'unsupported',
      how: "a Service's HTTPRoutes apply to every client; Linkerd has no per-source routes",
    },
    accessPolicy: {
      level: 'supported',
      how: 'Server per pod port (accessPolicy deny), AuthorizationPolicy and MeshTLSAuthentication of the named identities; HTTPRoute on the Server for paths and methods',
    },
    sharedTrust: {
      level: 'unsupported',
      how: 'Linkerd issues workload certificates from its own trust anchor; Mesh Hub cannot give it an intermediate CA',
    },
    federation: {
      level: 'partial',
      how: "Linkerd's own multicluster (Links and mirror Services) federates; Mesh Hub writes no ServiceEntries and routes to the mirrors",
    },
    globalAccessDeny: {
      level: 'partial',
      how: "Servers with accessPolicy deny on every port of the mesh's Destinations; pods no Service selects keep Linkerd's default inbound policy",
    },
    failover: {
      level: 'unsupported',
      how: 'Linkerd HTTPRoutes split by weight only; they cannot send to a backend only when the local one fails',
    },
  },
};

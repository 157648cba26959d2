// The PromQL Mesh Hub asks each cluster's Prometheus, per mesh kind: for Destinations, Workloads and
// edges (caller → Service), the request rate by response code over the window and the latency
// quantiles. Pure: query text and how to read the answer's labels.

export type MeshKind = 'istio' | 'linkerd' | 'osm';
export type TrafficScope = 'destinations' | 'workloads' | 'edges';

export const QUANTILES = [
  ['p50Ms', 0.5],
  ['p90Ms', 0.9],
  ['p99Ms', 0.99],
] as const;
export type QuantileField = (typeof QUANTILES)[number][0];

export interface ScopeQueries {
  /** The labels a row is keyed by (besides the response code). */
  readonly keys: readonly string[];
  /** The label holding the response code (or code class), and whether a value of it is a server error. */
  readonly codeLabel: string;
  readonly isServerError: (code: string) => boolean;
  /** Requests per second over the window, by keys and response code. */
  readonly requests: string;
  /** Latency quantiles in milliseconds over the window, by keys. */
  readonly quantiles: Readonly<Record<QuantileField, string>>;
}

interface MeshTelemetry {
  readonly requests: string;
  readonly latencyBuckets: string;
  readonly codeLabel: string;
  readonly isServerError: (code: string) => boolean;
  readonly scopes: Readonly<Record<TrafficScope, { readonly filter: string; readonly keys: readonly string[] } | null>>;
}

const HTTP_5XX = (code: string) => /^5\d\d$/.test(code);

/**
 * Istio: reporter="destination" (the server's proxy) for Destinations and Workloads, so each cluster's
 * Prometheus reports what that cluster served; reporter="source" (the caller's proxy) for edges, so the
 * host the caller used (a federated host included) is known.
 * Linkerd: outbound (the caller's proxy) for Destinations and edges, keyed by dst_service (a mirror
 * Service `<name>-<cluster>` for a linked cluster's Service); inbound for Workloads (the `deployment`
 * and `namespace` labels Linkerd's Prometheus adds from the scraped pod).
 * OSM: Envoy's upstream statistics as OSM's Prometheus labels them (source_namespace, source_name, and
 * envoy_cluster_name `<namespace>/<service>|<port>`); Envoy has no per-workload inbound counter there,
 * so OSM Workloads carry no metrics.
 */
const TELEMETRY: Readonly<Record<MeshKind, MeshTelemetry>> = {
  istio: {
    requests: 'istio_requests_total',
    latencyBuckets: 'istio_request_duration_milliseconds_bucket',
    codeLabel: 'response_code',
    isServerError: HTTP_5XX,
    scopes: {
      destinations: {
        filter: 'reporter="destination"',
        keys: ['destination_service_name', 'destination_service_namespace'],
      },
      workloads: { filter: 'reporter="destination"', keys: ['destination_workload', 'destination_workload_namespace'] },
      edges: {
        filter: 'reporter="source"',
        keys: [
          'source_workload',
          'source_workload_namespace',
          'destination_service',
          'destination_service_name',
          'destination_service_namespace',
          'destination_cluster',
        ],
      },
    },
  },
  linkerd: {
    requests: 'response_total',
    latencyBuckets: 'response_latency_ms_bucket',
    codeLabel: 'status_code',
    isServerError: HTTP_5XX,
    scopes: {
      destinations: { filter: 'direction="outbound"', keys: ['dst_service', 'dst_namespace'] },
      workloads: { filter: 'direction="inbound"', keys: ['deployment', 'namespace'] },
      edges: { filter: 'direction="outbound"', keys: ['deployment', 'namespace', 'dst_service', 'dst_namespace'] },
    },
  },
  osm: {
    requests: 'envoy_cluster_upstream_rq_xx',
    latencyBuckets: 'envoy_cluster_upstream_rq_time_bucket',
    codeLabel: 'envoy_response_code_class',
    isServerError: (code) => code === '5',
    scopes: {
      destinations: { filter: 'envoy_cluster_name=~".+/.+"', keys: ['envoy_cluster_name'] },
      workloads: null,
      edges: { filter: 'envoy_cluster_name=~".+/.+"', keys: ['source_name', 'source_namespace', 'envoy_cluster_name'] },
    },
  },
};

/** Prometheus range durations: whole seconds. */
export function windowText(windowSeconds: number): string {
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1) {
    throw new Error(`window: ${String(windowSeconds)} is not a whole number of seconds ≥ 1`);
  }
  return `${String(windowSeconds)}s`;
}

/** The queries of one scope of one mesh kind, or null when the mesh's telemetry has nothing for it. */
export function scopeQueries(kind: MeshKind, scope: TrafficScope, windowSeconds: number): ScopeQueries | null {
  const telemetry = TELEMETRY[kind];
  const shape = telemetry.scopes[scope];
  if (shape === null) return null;
  const window = windowText(windowSeconds);
  const keys = shape.keys.join(', ');
  const buckets = `sum by (le, ${keys}) (rate(${telemetry.latencyBuckets}{${shape.filter}}[${window}]))`;
  const quantile = (q: number) => `histogram_quantile(${String(q)}, ${buckets})`;
  return {
    keys: shape.keys,
    codeLabel: telemetry.codeLabel,
    isServerError: telemetry.isServerError,
    requests: `sum by (${keys}, ${telemetry.codeLabel}) (rate(${telemetry.requests}{${shape.filter}}[${window}]))`,
    quantiles: { p50Ms: quantile(0.5), p90Ms: quantile(0.9), p99Ms: quantile(0.99) },
  };
}

/** OSM's Envoy cluster names: `<namespace>/<service>|<port>` (a `-local` suffix on the server's side). */
export function parseOsmClusterName(name: string): { namespace: string; service: string } | undefined {
  const match = /^([^/]+)\/([^|/]+?)(?:\|\d+)?(?:-local)?$/.exec(name);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  return { namespace: match[1], service: match[2] };
}

// Live traffic metrics joined with discovery: what the dashboard's API and `meshctl top` read.
// A MetricsProvider queries each registered cluster's metrics source (its mesh's Prometheus) and
// maps the mesh's standard telemetry onto the discovered Destinations and Workloads.

/** A discovered object on the management cluster: its `namespace/name` there. */
export type DiscoveredKey = string;

/** Traffic over the window; latencies in milliseconds, null when there were no requests to measure. */
export interface TrafficStats {
  /** Requests per second over the window. */
  readonly rps: number;
  /** Non-5xx responses over all responses, 0..1; null when there were none. */
  readonly successRate: number | null;
  readonly p50Ms: number | null;
  readonly p90Ms: number | null;
  readonly p99Ms: number | null;
}

/** Whether a cluster's metrics could be read, and from where; a failure never hides the other clusters. */
export type ClusterMetricsState =
  | { readonly cluster: string; readonly state: 'ok'; readonly source: string }
  | { readonly cluster: string; readonly state: 'no-metrics'; readonly reason: string; readonly source?: string };

/** One edge of the service graph: a source Workload (or traffic from outside the estate) to a Destination. */
export interface TrafficEdge {
  /** The source Workload, or null for callers Mesh Hub did not discover (ingress, unknown). */
  readonly from: DiscoveredKey | null;
  readonly to: DiscoveredKey;
  /** True when source and Destination are in different clusters (federated hosts map back to their Destination). */
  readonly crossCluster: boolean;
  readonly stats: TrafficStats;
}

export interface EstateMetrics {
  readonly windowSeconds: number;
  /** When the sources were queried (ISO 8601). */
  readonly collectedAt: string;
  readonly clusters: readonly ClusterMetricsState[];
  readonly destinations: ReadonlyMap<DiscoveredKey, TrafficStats>;
  readonly workloads: ReadonlyMap<DiscoveredKey, TrafficStats>;
  readonly edges: readonly TrafficEdge[];
}

export interface MetricsProvider {
  /** The estate's metrics over the last `windowSeconds`; cached briefly, bounded in time and concurrency. */
  estate(windowSeconds: number, signal?: AbortSignal): Promise<EstateMetrics>;
}

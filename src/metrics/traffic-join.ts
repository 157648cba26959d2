// Joins what each cluster's Prometheus answered with discovery: rows keyed by the mesh's labels become
// TrafficStats keyed by the discovered Destination or Workload (`namespace/name` on the management
// cluster), and edges caller Workload → Destination. Federated hosts (Istio) and mirror Services
// (Linkerd) map back to the Destination they stand for. Pure.
import { DISCOVERY_CLUSTER_LABEL } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import type { ClusterMetricsState, DiscoveredKey, EstateMetrics, TrafficEdge, TrafficStats } from './model.ts';
import { parseOsmClusterName, QUANTILES, type MeshKind, type QuantileField, type TrafficScope } from './promql.ts';

/** One sample of an instant vector. */
export interface PromSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface ScopeAnswer {
  readonly requests: readonly PromSample[];
  readonly quantiles: Readonly<Record<QuantileField, readonly PromSample[]>>;
}

/** What one cluster's Prometheus answered for one mesh kind. */
export interface ClusterAnswer {
  readonly cluster: string;
  readonly kind: MeshKind;
  readonly scopes: Readonly<Partial<Record<TrafficScope, ScopeAnswer>>>;
  /** How each scope's rows are keyed and which codes are server errors (from promql.ts). */
  readonly shape: Readonly<
    Partial<
      Record<
        TrafficScope,
        { readonly keys: readonly string[]; readonly codeLabel: string; isServerError(code: string): boolean }
      >
    >
  >;
}

/** Lookups from the mesh's names to discovered objects. */
export interface DiscoveryIndex {
  readonly clusters: ReadonlySet<string>;
  /** `cluster/namespace/service` → Destination key. */
  readonly destinationByService: ReadonlyMap<string, DiscoveredKey>;
  /** Federated host name → Destination key. */
  readonly destinationByHost: ReadonlyMap<string, DiscoveredKey>;
  readonly clusterOfDestination: ReadonlyMap<DiscoveredKey, string>;
  /** `cluster/namespace/controller` → Workload key. */
  readonly workloadByController: ReadonlyMap<string, DiscoveredKey>;
}

interface ObjectRef {
  readonly name?: string;
  readonly namespace?: string;
  readonly clusterName?: string;
}

const keyOf = (object: KubeObject): DiscoveredKey => `${object.metadata.namespace ?? ''}/${object.metadata.name}`;

export function indexDiscovery(
  destinations: readonly KubeObject[],
  workloads: readonly KubeObject[],
  registeredClusters: readonly string[] = [],
): DiscoveryIndex {
  const clusters = new Set(registeredClusters);
  const destinationByService = new Map<string, DiscoveredKey>();
  const destinationByHost = new Map<string, DiscoveredKey>();
  const clusterOfDestination = new Map<DiscoveredKey, string>();
  for (const destination of destinations) {
    const fields = destination as {
      spec?: { kubeService?: { ref?: ObjectRef } };
      status?: { appliedFederation?: { federatedHostname?: string } };
    };
    const ref = fields.spec?.kubeService?.ref;
    const cluster = ref?.clusterName ?? destination.metadata.labels?.[DISCOVERY_CLUSTER_LABEL];
    if (ref?.name === undefined || ref.namespace === undefined || cluster === undefined) continue;
    const key = keyOf(destination);
    clusters.add(cluster);
    destinationByService.set(`${cluster}/${ref.namespace}/${ref.name}`, key);
    clusterOfDestination.set(key, cluster);
    const host = fields.status?.appliedFederation?.federatedHostname;
    if (host !== undefined && host !== '') destinationByHost.set(host, key);
  }
  const workloadByController = new Map<string, DiscoveredKey>();
  for (const workload of workloads) {
    const controller = (workload as { spec?: { kubernetes?: { controller?: ObjectRef } } }).spec?.kubernetes
      ?.controller;
    const cluster = controller?.clusterName ?? workload.metadata.labels?.[DISCOVERY_CLUSTER_LABEL];
    if (controller?.name === undefined || controller.namespace === undefined || cluster === undefined) continue;
    clusters.add(cluster);
    workloadByController.set(`${cluster}/${controller.namespace}/${controller.name}`, keyOf(workload));
  }
  return { clusters, destinationByService, destinationByHost, clusterOfDestination, workloadByController };
}

type Labels = Readonly<Record<string, string>>;

/** A Linkerd dst_service: the Service itself, or a mirror `<name>-<cluster>` of a linked cluster's Service. */
function linkerdDestination(index: DiscoveryIndex, cluster: string, service: string, namespace: string) {
  const local = index.destinationByService.get(`${cluster}/${namespace}/${service}`);
  if (local !== undefined) return local;
  for (const linked of index.clusters) {
    const suffix = `-${linked}`;
    if (linked !== cluster && service.endsWith(suffix)) {
      const found = index.destinationByService.get(`${linked}/${namespace}/${service.slice(0, -suffix.length)}`);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** An Istio caller-side destination: a federated host, else the Service in the cluster Istio names. */
function istioEdgeDestination(index: DiscoveryIndex, cluster: string, labels: Labels): DiscoveredKey | undefined {
  const host = labels.destination_service ?? '';
  const federated = index.destinationByHost.get(host);
  if (federated !== undefined) return federated;
  // Istio's cluster IDs are taken to be the registered names; an unknown one means this cluster.
  const reported = labels.destination_cluster ?? '';
  const target = index.clusters.has(reported) ? reported : cluster;
  const local = /^([^.]+)\.([^.]+)\.svc\./.exec(host);
  if (local?.[1] !== undefined && local[2] !== undefined) {
    const found = index.destinationByService.get(`${target}/${local[2]}/${local[1]}`);
    if (found !== undefined) return found;
  }
  return index.destinationByService.get(
    `${target}/${labels.destination_service_namespace ?? ''}/${labels.destination_service_name ?? ''}`,
  );
}

function osmDestination(index: DiscoveryIndex, cluster: string, labels: Labels): DiscoveredKey | undefined {
  const parsed = parseOsmClusterName(labels.envoy_cluster_name ?? '');
  return parsed === undefined
    ? undefined
    : index.destinationByService.get(`${cluster}/${parsed.namespace}/${parsed.service}`);
}

/** The discovered object a row stands for (an edge: caller and Destination), per mesh kind and scope. */
export function resolveRow(
  index: DiscoveryIndex,
  kind: MeshKind,
  scope: TrafficScope,
  cluster: string,
  labels: Labels,
): { from: DiscoveredKey | null; to: DiscoveredKey } | undefined {
  const workload = (name: string | undefined, namespace: string | undefined) =>
    index.workloadByController.get(`${cluster}/${namespace ?? ''}/${name ?? ''}`);
  const service = (name: string | undefined, namespace: string | undefined) =>
    index.destinationByService.get(`${cluster}/${namespace ?? ''}/${name ?? ''}`);
  const one = (key: DiscoveredKey | undefined) => (key === undefined ? undefined : { from: null, to: key });
  const edge = (from: DiscoveredKey | undefined, to: DiscoveredKey | undefined) =>
    to === undefined ? undefined : { from: from ?? null, to };
  switch (kind) {
    case 'istio':
      switch (scope) {
        case 'destinations':
          return one(service(labels.destination_service_name, labels.destination_service_namespace));
        case 'workloads':
          return one(workload(labels.destination_workload, labels.destination_workload_namespace));
        case 'edges':
          return edge(
            workload(labels.source_workload, labels.source_workload_namespace),
            istioEdgeDestination(index, cluster, labels),
          );
      }
      break;
    case 'linkerd':
      switch (scope) {
        case 'destinations':
          return one(linkerdDestination(index, cluster, labels.dst_service ?? '', labels.dst_namespace ?? ''));
        case 'workloads':
          return one(workload(labels.deployment, labels.namespace));
        case 'edges':
          return edge(
            workload(labels.deployment, labels.namespace),
            linkerdDestination(index, cluster, labels.dst_service ?? '', labels.dst_namespace ?? ''),
          );
      }
      break;
    case 'osm':
      switch (scope) {
        case 'destinations':
          return one(osmDestination(index, cluster, labels));
        case 'workloads':
          return undefined;
        case 'edges':
          return edge(workload(labels.source_name, labels.source_namespace), osmDestination(index, cluster, labels));
      }
  }
  return undefined;
}

interface Accumulator {
  total: number;
  ok: number;
  /** Quantiles come from the largest contributor: histograms of different Prometheus cannot be merged. */
  quantileWeight: number;
  quantiles: Record<QuantileField, number | null>;
  /** Edges: some of the traffic crossed clusters (the caller's proxy reports to its own cluster's Prometheus). */
  crossCluster: boolean;
}

/** Label values cannot hold NUL in practice (Prometheus would escape it), so it separates them. */
function rowKey(labels: Labels, keys: readonly string[]): string {
  let key = '';
  for (const name of keys) key += `${labels[name] ?? ''}\u0000`;
  return key;
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** The rows of one scope of one answer, grouped by their keys: totals, successes and quantiles. */
function groupRows(
  answer: ScopeAnswer,
  shape: { keys: readonly string[]; codeLabel: string; isServerError(code: string): boolean },
) {
  const groups = new Map<
    string,
    { labels: Labels; total: number; ok: number; quantiles: Record<QuantileField, number | null> }
  >();
  const group = (labels: Labels) => {
    const key = rowKey(labels, shape.keys);
    let found = groups.get(key);
    if (found === undefined) {
      found = { labels, total: 0, ok: 0, quantiles: { p50Ms: null, p90Ms: null, p99Ms: null } };
      groups.set(key, found);
    }
    return found;
  };
  for (const sample of answer.requests) {
    if (!Number.isFinite(sample.value)) continue;
    const entry = group(sample.labels);
    entry.total += sample.value;
    if (!shape.isServerError(sample.labels[shape.codeLabel] ?? '')) entry.ok += sample.value;
  }
  for (const [field] of QUANTILES) {
    for (const sample of answer.quantiles[field]) {
      const entry = groups.get(rowKey(sample.labels, shape.keys));
      if (entry !== undefined) entry.quantiles[field] = finite(sample.value);
    }
  }
  return groups.values();
}

function addTo(
  map: Map<string, Accumulator>,
  key: string,
  total: number,
  ok: number,
  quantiles: Accumulator['quantiles'],
  crossCluster = false,
) {
  let entry = map.get(key);
  if (entry === undefined) {
    entry = {
      total: 0,
      ok: 0,
      quantileWeight: -1,
      quantiles: { p50Ms: null, p90Ms: null, p99Ms: null },
      crossCluster: false,
    };
    map.set(key, entry);
  }
  entry.crossCluster ||= crossCluster;
  entry.total += total;
  entry.ok += ok;
  if (total > entry.quantileWeight) {
    entry.quantileWeight = total;
    entry.quantiles = { ...quantiles };
  }
}

function statsOf(entry: Accumulator): TrafficStats {
  const some = entry.total > 0;
  return {
    rps: entry.total,
    successRate: some ? Math.min(1, entry.ok / entry.total) : null,
    p50Ms: some ? entry.quantiles.p50Ms : null,
    p90Ms: some ? entry.quantiles.p90Ms : null,
    p99Ms: some ? entry.quantiles.p99Ms : null,
  };
}

function sortedMap(map: Map<string, Accumulator>): Map<DiscoveredKey, TrafficStats> {
  return new Map(
    [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, entry]) => [key, statsOf(entry)]),
  );
}

/** The estate's metrics from every cluster's answers. Rows that match no discovered object are left out. */
export function joinTraffic(
  index: DiscoveryIndex,
  answers: readonly ClusterAnswer[],
  windowSeconds: number,
  collectedAt: string,
  clusters: readonly ClusterMetricsState[],
): EstateMetrics {
  const destinations = new Map<string, Accumulator>();
  const workloads = new Map<string, Accumulator>();
  const edges = new Map<string, Accumulator>();
  for (const answer of answers) {
    for (const scope of ['destinations', 'workloads', 'edges'] as const) {
      const scopeAnswer = answer.scopes[scope];
      const shape = answer.shape[scope];
      if (scopeAnswer === undefined || shape === undefined) continue;
      for (const row of groupRows(scopeAnswer, shape)) {
        const resolved = resolveRow(index, answer.kind, scope, answer.cluster, row.labels);
        if (resolved === undefined) continue;
        if (scope === 'edges') {
          const crossCluster = index.clusterOfDestination.get(resolved.to) !== answer.cluster;
          addTo(edges, JSON.stringify([resolved.from, resolved.to]), row.total, row.ok, row.quantiles, crossCluster);
        } else {
          addTo(scope === 'destinations' ? destinations : workloads, resolved.to, row.total, row.ok, row.quantiles);
        }
      }
    }
  }
  const edgeList: TrafficEdge[] = [...edges]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, entry]) => {
      const [from, to] = JSON.parse(key) as [string | null, string];
      return { from, to, crossCluster: entry.crossCluster, stats: statsOf(entry) };
    });
  return {
    windowSeconds,
    collectedAt,
    clusters,
    destinations: sortedMap(destinations),
    workloads: sortedMap(workloads),
    edges: edgeList,
  };
}

// The traffic generator: a small HTTP server that exposes, per cluster, the Prometheus metrics the
// proxies of that cluster would expose for the demo's traffic: Istio's istio_requests_total and
// istio_request_duration_milliseconds (reporter="source" where the caller runs, reporter="destination"
// where the server runs) and Linkerd's response_total and response_latency_ms (direction="outbound"
// and "inbound"). Counters are computed from the time since start (rate × seconds), so every rate is
// exact whatever the scrape timing, and the output is deterministic for a given instant.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LatencyProfile, TrafficFlow, TrafficWorkload } from './demo-traffic.ts';

/** Istio's default buckets of istio_request_duration_milliseconds. */
export const ISTIO_BUCKETS_MS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
];
/** Linkerd's proxy buckets of response_latency_ms. */
export const LINKERD_BUCKETS_MS = [
  1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 40000,
  50000,
];

type Labels = Readonly<Record<string, string>>;

/** One series: its value is `perSecond × seconds` since start, rounded down (a counter). */
interface Series {
  readonly name: string;
  readonly labels: Labels;
  readonly perSecond: number;
}

/** The share of a profile's requests at or under `bound` ms. */
export function cumulativeShare(profile: LatencyProfile, bound: number): number {
  let share = 0;
  for (const [upper, cumulative] of profile) if (upper <= bound) share = cumulative;
  return share;
}

/** Mean latency of a profile, each step at the middle of its range (for the histograms' _sum). */
function meanLatency(profile: LatencyProfile): number {
  let previousBound = 0;
  let previousShare = 0;
  let mean = 0;
  for (const [upper, cumulative] of profile) {
    mean += ((previousBound + upper) / 2) * (cumulative - previousShare);
    previousBound = upper;
    previousShare = cumulative;
  }
  return mean;
}

function istioLabels(flow: TrafficFlow, reporter: 'source' | 'destination', code: number): Labels {
  const { source, server, service } = flow;
  const federatedHost = flow.host !== `${service.name}.${service.namespace}.svc.cluster.local`;
  // As Istio reports it: the caller's side knows the host it called (a federated host is a
  // ServiceEntry host, so its "name" is the host itself); the server's side knows its own Service.
  const callerView = reporter === 'source' && federatedHost;
  return {
    reporter,
    source_workload: source.workload,
    source_workload_namespace: source.namespace,
    source_principal: `spiffe://cluster.local/ns/${source.namespace}/sa/${source.serviceAccount}`,
    source_app: source.app,
    source_version: source.version,
    source_canonical_service: source.app,
    source_canonical_revision: source.version,
    source_cluster: source.cluster,
    destination_workload: server.workload,
    destination_workload_namespace: server.namespace,
    destination_principal: `spiffe://cluster.local/ns/${server.namespace}/sa/${server.serviceAccount}`,
    destination_app: server.app,
    destination_version: server.version,
    destination_canonical_service: server.app,
    destination_canonical_revision: server.version,
    destination_service: callerView ? flow.host : `${service.name}.${service.namespace}.svc.cluster.local`,
    destination_service_name: callerView ? flow.host : service.name,
    destination_service_namespace: callerView ? 'istio-system' : service.namespace,
    destination_cluster: server.cluster,
    request_protocol: 'http',
    response_code: String(code),
    grpc_response_status: '',
    response_flags: '-',
    connection_security_policy: reporter === 'destination' ? 'mutual_tls' : 'unknown',
  };
}

function linkerdIdentity(workload: TrafficWorkload): string {
  return `${workload.serviceAccount}.${workload.namespace}.serviceaccount.identity.linkerd.cluster.local`;
}

function linkerdLabels(flow: TrafficFlow, direction: 'inbound' | 'outbound', code: number): Labels {
  const { source, server, service } = flow;
  const status = { status_code: String(code), classification: code >= 500 ? 'failure' : 'success' };
  if (direction === 'inbound') {
    return {
      direction,
      authority: `${service.name}.${service.namespace}.svc.cluster.local:9080`,
      namespace: server.namespace,
      deployment: server.workload,
      pod: `${server.workload}-0`,
      tls: 'true',
      client_id: linkerdIdentity(source),
      ...status,
    };
  }
  // Linkerd multicluster calls a linked cluster's Service through its mirror, `<name>-<cluster>`.
  const mirrored = service.cluster !== source.cluster;
  return {
    direction,
    authority: `${mirrored ? `${service.name}-${service.cluster}` : service.name}.${service.namespace}.svc.cluster.local:9080`,
    namespace: source.namespace,
    deployment: source.workload,
    pod: `${source.workload}-0`,
    dst_namespace: service.namespace,
    dst_service: mirrored ? `${service.name}-${service.cluster}` : service.name,
    ...(mirrored ? {} : { dst_deployment: server.workload }),
    dst_serviceaccount: server.serviceAccount,
    tls: 'true',
    server_id: linkerdIdentity(server),
    ...status,
  };
}

function histogramSeries(
  name: string,
  labels: Labels,
  rps: number,
  profile: LatencyProfile,
  buckets: readonly number[],
): Series[] {
  return [
    ...buckets.map((bound) => ({
      name: `${name}_bucket`,
      labels: { ...labels, le: String(bound) },
      perSecond: rps * cumulativeShare(profile, bound),
    })),
    { name: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, perSecond: rps },
    { name: `${name}_count`, labels, perSecond: rps },
    { name: `${name}_sum`, labels, perSecond: rps * meanLatency(profile) },
  ];
}

/** The responses of a flow by code: [code, requests per second]. */
function responses(flow: TrafficFlow): [number, number][] {
  const errors = flow.rps * flow.errorShare;
  return errors > 0
    ? [
        [200, flow.rps - errors],
        [flow.errorCode, errors],
      ]
    : [[200, flow.rps]];
}

/** Every series one cluster's proxies expose for the traffic. */
export function clusterSeries(traffic: readonly TrafficFlow[], cluster: string): Series[] {
  const series: Series[] = [];
  for (const flow of traffic) {
    const sides: ['source' | 'destination', boolean][] = [
      ['source', flow.source.cluster === cluster],
      ['destination', flow.server.cluster === cluster],
    ];
    for (const [reporter, here] of sides) {
      if (!here) continue;
      const direction = reporter === 'source' ? 'outbound' : 'inbound';
      for (const [code, rps] of responses(flow)) {
        const istio = istioLabels(flow, reporter, code);
        series.push({ name: 'istio_requests_total', labels: istio, perSecond: rps });
        series.push(
          ...histogramSeries('istio_request_duration_milliseconds', istio, rps, flow.latency, ISTIO_BUCKETS_MS),
        );
        const linkerd = linkerdLabels(flow, direction, code);
        series.push({ name: 'response_total', labels: linkerd, perSecond: rps });
        series.push(...histogramSeries('response_latency_ms', linkerd, rps, flow.latency, LINKERD_BUCKETS_MS));
      }
    }
  }
  return series;
}

const HELP: Readonly<Record<string, [type: string, help: string]>> = {
  istio_requests_total: ['counter', 'Requests handled by an Istio proxy.'],
  istio_request_duration_milliseconds: ['histogram', 'Duration of requests, in milliseconds.'],
  response_total: ['counter', 'Responses the Linkerd proxy received.'],
  response_latency_ms: ['histogram', 'Time to first byte of responses, in milliseconds.'],
};

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}="${escapeLabel(value)}"`)
    .join(',');
}

function familyOf(name: string): string {
  return name.replace(/_(bucket|count|sum)$/, '');
}

/** The Prometheus text exposition of one cluster's series at `seconds` since start. */
export function exposition(series: readonly Series[], seconds: number): string {
  // Series with the same name and labels (two flows a proxy cannot tell apart) add up.
  const merged = new Map<string, { name: string; labels: string; perSecond: number }>();
  for (const one of series) {
    const labels = labelText(one.labels);
    const key = `${one.name}{${labels}}`;
    const existing = merged.get(key);
    if (existing === undefined) merged.set(key, { name: one.name, labels, perSecond: one.perSecond });
    else existing.perSecond += one.perSecond;
  }
  const byFamily = new Map<string, string[]>();
  for (const { name, labels, perSecond } of merged.values()) {
    const family = familyOf(name);
    const lines = byFamily.get(family) ?? [];
    const value = name.endsWith('_sum') ? perSecond * seconds : Math.floor(perSecond * seconds + 1e-9);
    lines.push(`${name}{${labels}} ${String(value)}`);
    byFamily.set(family, lines);
  }
  let text = '';
  for (const [family, lines] of [...byFamily].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const [type, help] = HELP[family] ?? ['untyped', family];
    text += `# HELP ${family} ${help}\n# TYPE ${family} ${type}\n${lines.join('\n')}\n`;
  }
  return text;
}

export interface TrafficGenerator {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** The scrape path of one cluster's metrics. */
  metricsPath(cluster: string): string;
  close(): Promise<void>;
}

export interface TrafficGeneratorOptions {
  readonly traffic: readonly TrafficFlow[];
  readonly host?: string;
  /** 0 (the default): a free port. */
  readonly port?: number;
  /** For tests: the clock in milliseconds. */
  readonly now?: () => number;
}

export function metricsPath(cluster: string): string {
  return `/clusters/${encodeURIComponent(cluster)}/metrics`;
}

/** Starts the generator; `GET /clusters/<cluster>/metrics` serves that cluster's metrics. */
export async function startTrafficGenerator(options: TrafficGeneratorOptions): Promise<TrafficGenerator> {
  const now = options.now ?? Date.now;
  const started = now();
  const clusters = new Set(options.traffic.flatMap((flow) => [flow.source.cluster, flow.server.cluster]));
  const seriesByCluster = new Map([...clusters].map((cluster) => [cluster, clusterSeries(options.traffic, cluster)]));
  const server = http.createServer((request, response) => {
    const match = /^\/clusters\/([^/]+)\/metrics$/.exec(request.url ?? '');
    if (request.url === '/healthz') {
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
      return;
    }
    const series = match?.[1] === undefined ? undefined : seriesByCluster.get(decodeURIComponent(match[1]));
    if (request.method !== 'GET' || series === undefined) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end(`no such cluster or path: ${request.url ?? ''}\n`);
      return;
    }
    response
      .writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' })
      .end(exposition(series, (now() - started) / 1000));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${String(port)}`,
    metricsPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

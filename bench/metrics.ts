// `npm run bench` (metrics part): what the metrics cache holds for one window at 10,000 Destinations
// (20,000 Workloads, 30,000 edges over 50 clusters), and how long the join with discovery takes.
// The answers of every cluster's Prometheus are generated in the shape Prometheus returns them; the
// cache keeps the joined EstateMetrics, so its retained heap is what is measured.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { KubeObject } from '../src/api/meta.ts';
import type { EstateMetrics } from '../src/metrics/model.ts';
import { scopeQueries } from '../src/metrics/promql.ts';
import { indexDiscovery, joinTraffic, type ClusterAnswer, type PromSample } from '../src/metrics/traffic-join.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CLUSTERS = 50;
const DESTINATIONS_PER_CLUSTER = 200;
const NS = 'gloo-mesh';

function estate() {
  const destinations: KubeObject[] = [];
  const workloads: KubeObject[] = [];
  const answers: ClusterAnswer[] = [];
  const destinationQueries = scopeQueries('istio', 'destinations', 300);
  const workloadQueries = scopeQueries('istio', 'workloads', 300);
  const edgeQueries = scopeQueries('istio', 'edges', 300);
  if (destinationQueries === null || workloadQueries === null || edgeQueries === null) throw new Error('no queries');
  const shapes = { destinations: destinationQueries, workloads: workloadQueries, edges: edgeQueries };
  for (let c = 0; c < CLUSTERS; c++) {
    const cluster = `cluster-${String(c)}`;
    const rows = { destinations: [] as PromSample[], workloads: [] as PromSample[], edges: [] as PromSample[] };
    const quantiles = { destinations: [] as PromSample[], workloads: [] as PromSample[], edges: [] as PromSample[] };
    for (let d = 0; d < DESTINATIONS_PER_CLUSTER; d++) {
      const service = `svc-${String(d)}`;
      const namespace = `ns-${String(d % 20)}`;
      destinations.push({
        apiVersion: 'discovery.mesh.gloo.solo.io/v1',
        kind: 'Destination',
        metadata: { name: `${service}-${namespace}-${cluster}`, namespace: NS },
        spec: { kubeService: { ref: { name: service, namespace, clusterName: cluster } } },
        status: { appliedFederation: { federatedHostname: `${service}.${namespace}.svc.${cluster}.global` } },
      });
      const server = { destination_service_name: service, destination_service_namespace: namespace };
      rows.destinations.push({ labels: { ...server, response_code: '200' }, value: 10 });
      rows.destinations.push({ labels: { ...server, response_code: '503' }, value: 1 });
      quantiles.destinations.push({ labels: server, value: 12.5 });
      for (const version of ['v1', 'v2']) {
        const controller = `${service}-${version}`;
        workloads.push({
          apiVersion: 'discovery.mesh.gloo.solo.io/v1',
          kind: 'Workload',
          metadata: { name: `${controller}-${namespace}-${cluster}-deployment`, namespace: NS },
          spec: { kubernetes: { controller: { name: controller, namespace, clusterName: cluster } } },
        });
        const labels = { destination_workload: controller, destination_workload_namespace: namespace };
        rows.workloads.push({ labels: { ...labels, response_code: '200' }, value: 5 });
        quantiles.workloads.push({ labels, value: 9 });
      }
      // Three callers per Destination, one of them from the next cluster through the federated host.
      for (const [caller, host] of [
        [`svc-${String((d + 1) % DESTINATIONS_PER_CLUSTER)}-v1`, `${service}.${namespace}.svc.cluster.local`],
        [`svc-${String((d + 2) % DESTINATIONS_PER_CLUSTER)}-v2`, `${service}.${namespace}.svc.cluster.local`],
        [`svc-${String((d + 3) % DESTINATIONS_PER_CLUSTER)}-v1`, `${service}.${namespace}.svc.${cluster}.global`],
      ] as const) {
        const labels = {
          source_workload: caller,
          source_workload_namespace: `ns-${String((d + 1) % 20)}`,
          destination_service: host,
          destination_service_name: service,
          destination_service_namespace: namespace,
          destination_cluster: cluster,
        };
        rows.edges.push({ labels: { ...labels, response_code: '200' }, value: 3 });
        quantiles.edges.push({ labels, value: 20 });
      }
    }
    const scope = (name: 'destinations' | 'workloads' | 'edges') => ({
      requests: rows[name],
      quantiles: { p50Ms: quantiles[name], p90Ms: quantiles[name], p99Ms: quantiles[name] },
    });
    answers.push({
      cluster,
      kind: 'istio',
      scopes: { destinations: scope('destinations'), workloads: scope('workloads'), edges: scope('edges') },
      shape: shapes,
    });
  }
  return { destinations, workloads, answers };
}

const input = estate();
const index = indexDiscovery(input.destinations, input.workloads);
gc();
const before = process.memoryUsage().heapUsed;
const started = performance.now();
const cache = new Map<number, EstateMetrics>();
cache.set(300, joinTraffic(index, input.answers, 300, new Date().toISOString(), []));
const joinMs = performance.now() - started;
gc();
const held = process.memoryUsage().heapUsed - before;
const metrics = cache.get(300);
console.log('metrics cache (one window, joined EstateMetrics):');
console.log(
  `  ${String(metrics?.destinations.size)} Destinations, ${String(metrics?.workloads.size)} Workloads, ${String(metrics?.edges.length)} edges`,
);
console.log(`  join of 50 clusters' answers: ${joinMs.toFixed(0)} ms`);
console.log(`  heap held by the cache entry: ${(held / 1024 / 1024).toFixed(1)} MiB`);

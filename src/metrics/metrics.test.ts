import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/meta.ts';
import { DEMO_TRAFFIC, FAST } from './demo-traffic.ts';
import { clusterMeshes, describeSource, explicitSource, serviceProxyPath } from './metrics-sources.ts';
import { parseQueryResponse, queryParameters } from './prometheus-query.ts';
import { Limiter } from './provider.ts';
import { prometheusConfig } from './prometheus-server.ts';
import { parseOsmClusterName, scopeQueries, windowText } from './promql.ts';
import { clusterSeries, cumulativeShare, exposition } from './traffic-generator.ts';
import { indexDiscovery, joinTraffic, type ClusterAnswer, type PromSample } from './traffic-join.ts';

const NS = 'gloo-mesh';

function destination(cluster: string, service: string, federatedHostname?: string): KubeObject {
  return {
    apiVersion: 'discovery.mesh.gloo.solo.io/v1',
    kind: 'Destination',
    metadata: { name: `${service}-bookinfo-${cluster}`, namespace: NS },
    spec: { kubeService: { ref: { name: service, namespace: 'bookinfo', clusterName: cluster } } },
    ...(federatedHostname === undefined ? {} : { status: { appliedFederation: { federatedHostname } } }),
  };
}

function workload(cluster: string, controller: string): KubeObject {
  return {
    apiVersion: 'discovery.mesh.gloo.solo.io/v1',
    kind: 'Workload',
    metadata: { name: `${controller}-bookinfo-${cluster}-deployment`, namespace: NS },
    spec: { kubernetes: { controller: { name: controller, namespace: 'bookinfo', clusterName: cluster } } },
  };
}

const index = indexDiscovery(
  [
    destination('cluster-1', 'reviews', 'reviews.bookinfo.svc.cluster-1.global'),
    destination('cluster-2', 'reviews', 'reviews.bookinfo.svc.cluster-2.global'),
  ],
  [workload('cluster-1', 'productpage-v1'), workload('cluster-2', 'reviews-v3')],
);

const sample = (labels: Record<string, string>, value: number): PromSample => ({ labels, value });

function istioAnswer(cluster: string, requests: PromSample[], p50: PromSample[] = []): ClusterAnswer {
  const queries = scopeQueries('istio', 'edges', 60);
  const destinations = scopeQueries('istio', 'destinations', 60);
  assert.ok(queries !== null && destinations !== null);
  return {
    cluster,
    kind: 'istio',
    scopes: { edges: { requests, quantiles: { p50Ms: p50, p90Ms: [], p99Ms: [] } } },
    shape: { edges: queries, destinations },
  };
}

describe('the join of telemetry with discovery', () => {
  it('maps a federated host back to its Destination and marks the edge cross-cluster', () => {
    const caller = { source_workload: 'productpage-v1', source_workload_namespace: 'bookinfo' };
    const federated = {
      ...caller,
      destination_service: 'reviews.bookinfo.svc.cluster-2.global',
      destination_service_name: 'reviews.bookinfo.svc.cluster-2.global',
      destination_service_namespace: 'istio-system',
      destination_cluster: 'cluster-2',
    };
    const localCall = {
      ...caller,
      destination_service: 'reviews.bookinfo.svc.cluster.local',
      destination_service_name: 'reviews',
      destination_service_namespace: 'bookinfo',
      destination_cluster: 'cluster-1',
    };
    const metrics = joinTraffic(
      index,
      [
        istioAnswer(
          'cluster-1',
          [
            sample({ ...federated, response_code: '200' }, 3),
            sample({ ...federated, response_code: '503' }, 1),
            sample({ ...localCall, response_code: '200' }, 6),
          ],
          [sample(federated, 42), sample(localCall, Number.NaN)],
        ),
      ],
      60,
      '2026-12-03T00:00:00.000Z',
      [],
    );
    assert.deepEqual(metrics.edges, [
      {
        from: `${NS}/productpage-v1-bookinfo-cluster-1-deployment`,
        to: `${NS}/reviews-bookinfo-cluster-1`,
        crossCluster: false,
        stats: { rps: 6, successRate: 1, p50Ms: null, p90Ms: null, p99Ms: null },
      },
      {
        from: `${NS}/productpage-v1-bookinfo-cluster-1-deployment`,
        to: `${NS}/reviews-bookinfo-cluster-2`,
        crossCluster: true,
        stats: { rps: 4, successRate: 0.75, p50Ms: 42, p90Ms: null, p99Ms: null },
      },
    ]);
  });

  it('leaves out rows that match no discovered object, and callers outside the estate become null', () => {
    const metrics = joinTraffic(
      index,
      [
        istioAnswer('cluster-1', [
          sample(
            {
              source_workload: 'istio-ingressgateway',
              source_workload_namespace: 'istio-system',
              destination_service: 'reviews.bookinfo.svc.cluster.local',
              destination_service_name: 'reviews',
              destination_service_namespace: 'bookinfo',
              destination_cluster: 'Kubernetes',
              response_code: '200',
            },
            5,
          ),
          sample(
            {
              source_workload: 'productpage-v1',
              source_workload_namespace: 'bookinfo',
              destination_service: 'unknown.example.com',
              destination_service_name: 'unknown.example.com',
              destination_service_namespace: 'unknown',
              destination_cluster: 'unknown',
              response_code: '200',
            },
            9,
          ),
        ]),
      ],
      60,
      '',
      [],
    );
    // An Istio cluster ID that is not a registered name ('Kubernetes') means the answering cluster.
    assert.deepEqual(
      metrics.edges.map((edge) => [edge.from, edge.to, edge.stats.rps]),
      [[null, `${NS}/reviews-bookinfo-cluster-1`, 5]],
    );
  });

  it('maps a Linkerd mirror Service to the linked cluster’s Destination and adds up callers from every cluster', () => {
    const destinations = scopeQueries('linkerd', 'destinations', 60);
    assert.ok(destinations !== null);
    const answer = (cluster: string, service: string, rps: number): ClusterAnswer => ({
      cluster,
      kind: 'linkerd',
      scopes: {
        destinations: {
          requests: [sample({ dst_service: service, dst_namespace: 'bookinfo', status_code: '200' }, rps)],
          quantiles: { p50Ms: [], p90Ms: [], p99Ms: [] },
        },
      },
      shape: { destinations },
    });
    const metrics = joinTraffic(
      index,
      [answer('cluster-1', 'reviews-cluster-2', 2), answer('cluster-2', 'reviews', 3)],
      60,
      '',
      [],
    );
    assert.equal(metrics.destinations.get(`${NS}/reviews-bookinfo-cluster-2`)?.rps, 5);
    assert.equal(metrics.destinations.has(`${NS}/reviews-bookinfo-cluster-1`), false);
  });

  it('reports no success rate or latency for a Destination without requests', () => {
    const destinations = scopeQueries('istio', 'destinations', 60);
    assert.ok(destinations !== null);
    const metrics = joinTraffic(
      index,
      [
        {
          cluster: 'cluster-2',
          kind: 'istio',
          scopes: {
            destinations: {
              requests: [
                sample(
                  {
                    destination_service_name: 'reviews',
                    destination_service_namespace: 'bookinfo',
                    response_code: '200',
                  },
                  0,
                ),
              ],
              quantiles: { p50Ms: [], p90Ms: [], p99Ms: [] },
            },
          },
          shape: { destinations },
        },
      ],
      60,
      '',
      [],
    );
    assert.deepEqual(metrics.destinations.get(`${NS}/reviews-bookinfo-cluster-2`), {
      rps: 0,
      successRate: null,
      p50Ms: null,
      p90Ms: null,
      p99Ms: null,
    });
  });
});

describe('PromQL per mesh kind', () => {
  it('Istio: destinations from the server side, edges from the caller side, quantiles by le', () => {
    const destinations = scopeQueries('istio', 'destinations', 300);
    assert.equal(
      destinations?.requests,
      'sum by (destination_service_name, destination_service_namespace, response_code) (rate(istio_requests_total{reporter="destination"}[300s]))',
    );
    assert.equal(
      destinations.quantiles.p99Ms,
      'histogram_quantile(0.99, sum by (le, destination_service_name, destination_service_namespace) (rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[300s])))',
    );
    assert.match(scopeQueries('istio', 'edges', 60)?.requests ?? '', /reporter="source"/);
  });

  it('Linkerd: response_total by status code; OSM: Envoy upstream statistics by code class', () => {
    assert.equal(
      scopeQueries('linkerd', 'workloads', 60)?.requests,
      'sum by (deployment, namespace, status_code) (rate(response_total{direction="inbound"}[60s]))',
    );
    const osm = scopeQueries('osm', 'edges', 60);
    assert.equal(
      osm?.requests,
      'sum by (source_name, source_namespace, envoy_cluster_name, envoy_response_code_class) (rate(envoy_cluster_upstream_rq_xx{envoy_cluster_name=~".+/.+"}[60s]))',
    );
    assert.match(osm.quantiles.p50Ms, /envoy_cluster_upstream_rq_time_bucket/);
    assert.equal(osm.isServerError('5'), true);
    assert.equal(osm.isServerError('4'), false);
    assert.equal(scopeQueries('osm', 'workloads', 60), null);
    assert.deepEqual(parseOsmClusterName('bookinfo/reviews|9080'), { namespace: 'bookinfo', service: 'reviews' });
    assert.deepEqual(parseOsmClusterName('bookinfo/reviews|9080-local'), { namespace: 'bookinfo', service: 'reviews' });
    assert.equal(parseOsmClusterName('passthrough-outbound'), undefined);
  });

  it('refuses a window that is not whole seconds', () => {
    assert.throws(() => windowText(0.5), /window: 0.5/);
    assert.equal(windowText(300), '300s');
  });
});

describe('metrics sources', () => {
  const cluster = (annotations?: Record<string, string>): KubeObject => ({
    apiVersion: 'multicluster.solo.io/v1alpha1',
    kind: 'KubernetesCluster',
    metadata: { name: 'cluster-1', namespace: NS, ...(annotations === undefined ? {} : { annotations }) },
  });

  it('takes the URL annotation, and names the field when it is not a URL', () => {
    assert.deepEqual(explicitSource(cluster({ 'metrics.meshhub.dev/prometheus-url': 'http://prom:9090/' })), {
      via: 'url',
      url: 'http://prom:9090',
    });
    assert.deepEqual(explicitSource(cluster({ 'metrics.meshhub.dev/prometheus-url': 'prom' })), {
      error:
        'KubernetesCluster gloo-mesh/cluster-1: metadata.annotations[metrics.meshhub.dev/prometheus-url]: not a URL',
    });
    assert.equal(explicitSource(cluster()), undefined);
  });

  it('never shows credentials a URL carries', () => {
    assert.equal(
      describeSource({ via: 'url', url: 'https://user:secret@prom.example:9090/?token=abc' }),
      'https://prom.example:9090',
    );
  });

  it('defaults to the Prometheus Service next to the mesh, read through the API server', () => {
    const mesh = (name: string, spec: unknown, cluster: string): KubeObject => ({
      apiVersion: 'discovery.mesh.gloo.solo.io/v1',
      kind: 'Mesh',
      metadata: { name, namespace: NS, labels: { 'cluster.discovery.mesh.gloo.solo.io': cluster } },
      spec,
    });
    const meshes = [
      mesh('istiod', { istio: { installation: { namespace: 'istio-custom' } } }, 'cluster-1'),
      mesh('linkerd', { linkerd: { installation: { namespace: 'linkerd' } } }, 'cluster-2'),
    ];
    assert.deepEqual(clusterMeshes(meshes, 'cluster-1'), {
      kinds: ['istio'],
      defaultSource: { via: 'service-proxy', namespace: 'istio-custom', service: 'prometheus', port: 9090 },
    });
    assert.deepEqual(clusterMeshes(meshes, 'cluster-2').defaultSource, {
      via: 'service-proxy',
      namespace: 'linkerd-viz',
      service: 'prometheus',
      port: 9090,
    });
    assert.deepEqual(clusterMeshes(meshes, 'cluster-3'), { kinds: [], defaultSource: undefined });
    assert.equal(
      serviceProxyPath(
        { namespace: 'istio-system', service: 'prometheus', port: 9090 },
        '/api/v1/query',
        queryParameters('up', 1700000000, 5000),
      ),
      '/api/v1/namespaces/istio-system/services/prometheus:9090/proxy/api/v1/query?query=up&time=1700000000.000&timeout=5000ms',
    );
  });
});

describe('Prometheus answers', () => {
  it('reads an instant vector, NaN included, and reports Prometheus errors', () => {
    assert.deepEqual(
      parseQueryResponse(
        {
          status: 'success',
          data: {
            resultType: 'vector',
            result: [
              { metric: { a: 'b' }, value: [1, '2.5'] },
              { metric: {}, value: [1, 'NaN'] },
            ],
          },
        },
        'p',
      ),
      [
        { labels: { a: 'b' }, value: 2.5 },
        { labels: {}, value: Number.NaN },
      ],
    );
    assert.throws(
      () => parseQueryResponse({ status: 'error', error: 'parse error at char 3' }, 'prom'),
      /prom: Prometheus answered error: parse error at char 3/,
    );
  });

  it('scrapes every target at the interval asked', () => {
    const config = prometheusConfig(
      'cluster-1',
      [{ url: 'http://127.0.0.1:1234', path: '/clusters/cluster-1/metrics' }],
      1,
    );
    assert.match(config, /scrape_interval: 1s/);
    assert.match(config, /metrics_path: \/clusters\/cluster-1\/metrics/);
    assert.match(config, /- 127\.0\.0\.1:1234/);
  });
});

describe('the traffic generator', () => {
  it('serves counters that grow at exactly the planned rate, failures included', () => {
    const series = clusterSeries(DEMO_TRAFFIC, 'cluster-2');
    const at = (seconds: number) => exposition(series, seconds);
    const value = (text: string, pattern: RegExp) =>
      text
        .split('\n')
        .filter((line) => pattern.test(line))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    const ratings =
      /^istio_requests_total\{reporter="destination".*destination_service_name="ratings".*response_code="(\d+)"/;
    const failed =
      /^istio_requests_total\{reporter="destination".*destination_service_name="ratings".*response_code="503"/;
    // ratings of cluster-2 serves 2 rps from reviews-v3 (half fail) and 1 rps from reviews-v2 of cluster-1.
    assert.equal(value(at(100), ratings) - value(at(40), ratings), 3 * 60);
    assert.equal(value(at(100), failed) - value(at(40), failed), 60);
    assert.match(at(1), /# TYPE istio_request_duration_milliseconds histogram/);
    assert.match(at(1), /# TYPE response_latency_ms histogram/);
    assert.match(at(1), /response_total\{direction="outbound".*dst_service="ratings"/);
    assert.equal(at(12.5), at(12.5));
  });

  it('spreads latencies over the buckets by the profile', () => {
    assert.equal(cumulativeShare(FAST, 5), 0);
    assert.equal(cumulativeShare(FAST, 25), 0.6);
    assert.equal(cumulativeShare(FAST, 100), 1);
  });
});

describe('the per-Prometheus limit', () => {
  it('runs at most the limit at once and every task in the end', async () => {
    const limiter = new Limiter(2);
    let running = 0;
    let most = 0;
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        limiter
          .run(async () => {
            running++;
            most = Math.max(most, running);
            await new Promise((resolve) => setTimeout(resolve, 5));
            running--;
            if (i === 3) throw new Error('one fails');
            return i;
          })
          .catch((error: unknown) => (error instanceof Error ? error.message : 'unknown')),
      ),
    );
    assert.equal(most, 2);
    assert.deepEqual(results, [0, 1, 2, 'one fails', 4, 5, 6]);
  });
});

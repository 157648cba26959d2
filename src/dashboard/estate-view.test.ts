import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../api/meta.ts';
import type { EstateMetrics } from '../metrics/model.ts';
import {
  DestinationDetail,
  DestinationPage,
  Graph,
  ListQuery,
  Overview,
  PolicyList,
  VirtualMeshList,
} from './api-schema.ts';
import {
  EstateIndex,
  SEE_ALL,
  metricsStateOf,
  objectYaml,
  type EstateObjects,
  type Visibility,
} from './estate-view.ts';

const testdata = join(import.meta.dirname, '..', '..', 'testdata', 'networking');

function goldenMgmt(caseName: string): KubeObject[] {
  const dir = join(testdata, caseName, 'output', 'mgmt');
  return readdirSync(dir).flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8'))
      .map((doc) => doc.toJSON() as KubeObject | null)
      .filter((o): o is KubeObject => o !== null),
  );
}

function estateOf(objects: readonly KubeObject[]): EstateObjects {
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  return {
    clusters: of('KubernetesCluster'),
    meshes: of('Mesh'),
    workloads: of('Workload'),
    destinations: of('Destination'),
    trafficPolicies: of('TrafficPolicy'),
    accessPolicies: of('AccessPolicy'),
    virtualMeshes: of('VirtualMesh'),
  };
}

function withClusterState(object: KubeObject, state: string, message?: string): KubeObject {
  return {
    ...object,
    status: { status: [{ state, ...(message === undefined ? {} : { message }), owner: 'mesh-hub' }] },
  };
}

const NO_METRICS = metricsStateOf(undefined, 300, undefined);
const since = () => '2026-12-03T00:00:00.000Z';
const query = (q: Partial<ListQuery> = {}) => ListQuery.parse(q);

describe('dashboard estate view', () => {
  const federation = goldenMgmt('federation-two-clusters');
  const [first, second] = federation.filter((o) => o.kind === 'KubernetesCluster');
  assert.ok(first !== undefined && second !== undefined);
  const objects = federation.map((o) =>
    o === first
      ? withClusterState(o, 'ACCEPTED')
      : o === second
        ? withClusterState(o, 'FAILED', 'the API server at https://10.0.0.2 cannot be reached')
        : o,
  );
  const index = new EstateIndex(estateOf(objects), 7);

  it('overview: clusters with their state and since when, meshes by type and version, counts', () => {
    const overview = Overview.parse(index.overview(SEE_ALL, since, NO_METRICS));
    assert.deepEqual(
      overview.clusters.map((c) => [c.name, c.state, c.since]),
      [
        ['cluster-1', 'reachable', '2026-12-03T00:00:00.000Z'],
        ['cluster-2', 'unreachable', '2026-12-03T00:00:00.000Z'],
      ],
    );
    assert.deepEqual(overview.meshesByType, [{ type: 'istio', version: '1.24.2', count: 2 }]);
    assert.equal(overview.counts.destinations, estateOf(objects).destinations.length);
    assert.equal(overview.counts.virtualMeshes, 1);
    assert.equal(overview.revision, 7);
    // The unreachable cluster is the one problem, in plain words.
    assert.deepEqual(
      overview.problems.map((p) => [p.kind, p.name, p.message]),
      [['KubernetesCluster', 'cluster-2', 'the API server at https://10.0.0.2 cannot be reached']],
    );
    assert.equal(overview.metrics.available, false);
    assert.equal(overview.metrics.reason, 'no metrics provider is configured');
  });

  it('overview lists every rejected policy with its first error', () => {
    const invalid = new EstateIndex(estateOf(goldenMgmt('invalid-references')), 1);
    const overview = invalid.overview(SEE_ALL, since, NO_METRICS);
    const policies = overview.problems.filter((p) => p.kind === 'TrafficPolicy');
    assert.ok(policies.length >= 5, `rejected TrafficPolicies: ${policies.map((p) => p.name).join(', ')}`);
    const notForIstio = policies.find((p) => p.name === 'not-for-istio');
    assert.ok(notForIstio !== undefined);
    assert.equal(notForIstio.state, 'INVALID');
    assert.match(notForIstio.message, /^productpage-bookinfo-cluster-1: /);
  });

  it('destinations: searched, filtered by cluster, paged, with facets; the names sorted', () => {
    const all = DestinationPage.parse(index.destinationPage(query(), SEE_ALL, undefined, NO_METRICS));
    assert.equal(all.total, estateOf(objects).destinations.length);
    assert.deepEqual(all.facets.clusters, ['cluster-1', 'cluster-2']);
    const names = all.items.map((r) => r.name);
    assert.deepEqual(names, [...names].sort());
    const reviews = index.destinationPage(query({ search: 'REVIEWS cluster-2' }), SEE_ALL, undefined, NO_METRICS);
    assert.deepEqual(
      reviews.items.map((r) => r.name),
      ['reviews-bookinfo-cluster-2'],
    );
    const cluster1 = index.destinationPage(query({ cluster: 'cluster-1' }), SEE_ALL, undefined, NO_METRICS);
    assert.ok(cluster1.items.length > 0 && cluster1.items.every((r) => r.cluster === 'cluster-1'));
    const paged = index.destinationPage(query({ offset: 1, limit: 2 }), SEE_ALL, undefined, NO_METRICS);
    assert.deepEqual(
      paged.items.map((r) => r.name),
      names.slice(1, 3),
    );
    assert.equal(paged.total, all.total);
    assert.ok(all.items.every((r) => r.metrics === null));
  });

  it('destinations sort by the metrics the provider measured', () => {
    const stats = (rps: number, successRate: number) => ({ rps, successRate, p50Ms: 5, p90Ms: 9, p99Ms: rps });
    const metrics: EstateMetrics = {
      windowSeconds: 60,
      collectedAt: '2026-12-03T00:00:00.000Z',
      clusters: [
        { cluster: 'cluster-1', state: 'ok', source: 'prometheus' },
        { cluster: 'cluster-2', state: 'no-metrics', reason: 'prometheus is down' },
      ],
      destinations: new Map([
        ['gloo-mesh/ratings-bookinfo-cluster-1', stats(3, 0.5)],
        ['gloo-mesh/reviews-bookinfo-cluster-1', stats(10, 1)],
      ]),
      workloads: new Map(),
      edges: [],
    };
    const state = metricsStateOf(metrics, 60, undefined);
    assert.equal(state.available, true);
    assert.deepEqual(state.clusters[1], { cluster: 'cluster-2', state: 'no-metrics', reason: 'prometheus is down' });
    const byRps = index.destinationPage(query({ sort: 'rps', limit: 2 }), SEE_ALL, metrics, state);
    assert.deepEqual(
      byRps.items.map((r) => [r.name, r.metrics?.rps]),
      [
        ['reviews-bookinfo-cluster-1', 10],
        ['ratings-bookinfo-cluster-1', 3],
      ],
    );
    const byErrors = index.destinationPage(query({ sort: 'errors', limit: 1 }), SEE_ALL, metrics, state);
    assert.equal(byErrors.items[0]?.name, 'ratings-bookinfo-cluster-1');
  });

  it('a viewer sees only the kinds and namespaces it may read', () => {
    const onlyPolicies: Visibility = (kind) => kind === 'trafficPolicies';
    const overview = index.overview(onlyPolicies, since, NO_METRICS);
    assert.equal(overview.counts.destinations, 0);
    assert.equal(overview.clusters.length, 0);
    assert.ok(overview.hidden.includes('destinations'));
    assert.equal(index.destinationPage(query(), onlyPolicies, undefined, NO_METRICS).total, 0);
    assert.equal(index.graph(onlyPolicies, undefined, NO_METRICS).nodes.length, 0);
    const policies = PolicyList.parse(index.policies(onlyPolicies));
    assert.equal(policies.items.length, estateOf(objects).trafficPolicies.length);
    assert.equal(index.policies(() => false).items.length, 0);
  });

  it('a Destination detail: applied and rejected policies with the reason, its YAML', () => {
    const invalid = new EstateIndex(estateOf(goldenMgmt('invalid-references')), 1);
    const productpage = invalid.destination('gloo-mesh', 'productpage-bookinfo-cluster-1');
    assert.ok(productpage !== undefined);
    const detail = DestinationDetail.parse(invalid.destinationDetail(productpage, SEE_ALL, [], undefined));
    const rejected = detail.policies.rejected.find((p) => p.name === 'not-for-istio');
    assert.ok(rejected !== undefined, JSON.stringify(detail.policies));
    assert.ok(rejected.errors.length > 0);
    assert.match(detail.yaml, /^apiVersion: discovery\.mesh\.gloo\.solo\.io\/v1\nkind: Destination\n/);
    // A viewer who may not read TrafficPolicies is not told about them.
    const hidden = invalid.destinationDetail(productpage, (kind) => kind !== 'trafficPolicies', [], undefined);
    assert.equal(hidden.policies.rejected.filter((p) => p.kind === 'TrafficPolicy').length, 0);
  });

  it('VirtualMeshes with their state per Mesh and where each Destination is federated', () => {
    const list = VirtualMeshList.parse(index.virtualMeshes(SEE_ALL, [], 0));
    const vm = list.items[0];
    assert.ok(vm !== undefined);
    assert.equal(vm.state, 'ACCEPTED');
    assert.deepEqual(
      vm.meshStates.map((m) => m.name),
      ['istiod-istio-system-cluster-1', 'istiod-istio-system-cluster-2'],
    );
    assert.ok(vm.destinationStates.some((d) => d.name === 'reviews-bookinfo-cluster-2'));
  });

  it("VirtualMeshes: each intermediate CA's expiry at the time the server passes in", () => {
    const day = 24 * 3600_000;
    const notBefore = Date.parse('2026-11-01T00:00:00Z');
    const vm: KubeObject = {
      apiVersion: 'networking.mesh.gloo.solo.io/v1',
      kind: 'VirtualMesh',
      metadata: { name: 'vm', namespace: 'gloo-mesh' },
      spec: {
        meshes: [{ name: 'istiod-istio-system-cluster-1' }],
        mtlsConfig: { shared: { rootCertificateAuthority: { generated: {} } } },
      },
    };
    const issued: KubeObject = {
      apiVersion: 'certificates.mesh.gloo.solo.io/v1',
      kind: 'IssuedCertificate',
      metadata: {
        name: 'istiod-istio-system-cluster-1',
        namespace: 'gloo-mesh',
        annotations: {
          'parents.networking.mesh.gloo.solo.io': JSON.stringify({
            'networking.mesh.gloo.solo.io/v1, Kind=VirtualMesh': [{ name: 'vm', namespace: 'gloo-mesh' }],
          }),
        },
      },
      spec: { certOptions: { secretRotationGracePeriodRatio: 0.2 } },
      status: { state: 'FINISHED' },
    };
    const estate = new EstateIndex({ ...estateOf([]), virtualMeshes: [vm] }, 1);
    const readings = [
      {
        cluster: 'cluster-1',
        reachable: true,
        objects: [issued],
        signedCertificates: {
          read: true as const,
          items: [
            {
              namespace: 'gloo-mesh',
              name: 'istiod-istio-system-cluster-1',
              certificate: { notBefore, notAfter: notBefore + 10 * day },
            },
          ],
        },
      },
    ];
    const at = (now: number) =>
      VirtualMeshList.parse(estate.virtualMeshes(SEE_ALL, readings, now)).items[0]?.certificates[0]?.expiry;
    assert.deepEqual(at(notBefore + day), {
      state: 'issued',
      notBefore: '2026-11-01T00:00:00.000Z',
      notAfter: '2026-11-11T00:00:00.000Z',
      daysLeft: 9,
      summary: 'issued, expires on 2026-11-11 (in 9 days)',
    });
    // The IssuedCertificate's own ratio (20 %): expiring from two days before the end.
    assert.equal(at(notBefore + 8 * day - 1)?.state, 'issued');
    assert.equal(at(notBefore + 8 * day)?.state, 'expiring');
    assert.equal(at(notBefore + 10 * day)?.state, 'expired');
  });

  it('graph: edges between readable objects, the busiest first; an undiscovered caller is "outside"', () => {
    const stats = (rps: number) => ({ rps, successRate: 0.9, p50Ms: 1, p90Ms: 2, p99Ms: 3 });
    const workload = estateOf(objects).workloads[0];
    assert.ok(workload !== undefined);
    const from = `gloo-mesh/${workload.metadata.name}`;
    const metrics: EstateMetrics = {
      windowSeconds: 60,
      collectedAt: '2026-12-03T00:00:00.000Z',
      clusters: [{ cluster: 'cluster-1', state: 'ok', source: 'p' }],
      destinations: new Map(),
      workloads: new Map(),
      edges: [
        { from, to: 'gloo-mesh/reviews-bookinfo-cluster-2', crossCluster: true, stats: stats(1) },
        { from: null, to: 'gloo-mesh/productpage-bookinfo-cluster-1', crossCluster: false, stats: stats(5) },
        { from, to: 'gloo-mesh/not-discovered', crossCluster: false, stats: stats(9) },
      ],
    };
    const graph = Graph.parse(index.graph(SEE_ALL, metrics, metricsStateOf(metrics, 60, undefined)));
    assert.deepEqual(
      graph.edges.map((e) => [e.from, e.to, e.crossCluster]),
      [
        ['outside', 'gloo-mesh/productpage-bookinfo-cluster-1', false],
        [from, 'gloo-mesh/reviews-bookinfo-cluster-2', true],
      ],
    );
    assert.ok(graph.nodes.some((n) => n.id === 'outside' && n.kind === 'Outside'));
    const limited = index.graph(SEE_ALL, metrics, NO_METRICS, 1);
    assert.equal(limited.edges.length, 1);
    assert.equal(limited.truncated, true);
  });

  it('YAML never carries managed fields, the last-applied copy or Secret data', () => {
    const yaml = objectYaml({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 's',
        namespace: 'n',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":"x"}', keep: 'yes' },
        managedFields: [{ manager: 'kubectl' }],
      },
      data: { token: 'c2VjcmV0' },
    });
    assert.doesNotMatch(yaml, /c2VjcmV0|last-applied|managedFields/);
    assert.match(yaml, /keep: "yes"/);
  });
});

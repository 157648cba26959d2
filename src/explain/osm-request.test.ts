// explain request on Open Service Mesh Destinations, on estates rendered by the real translator
// (osm-bookstore, with its MeshConfig as installed and changed); every answer is checked against the
// objects it names, looked up in the render output.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/meta.ts';
import { render } from '../pipeline/render.ts';
import type { InputSnapshot } from '../snapshot/input.ts';
import { explainEstate, explainInput } from '../testing/explain-cases.ts';
import { renderedEstate } from './estate-objects.ts';
import { explainRequest } from './explain-request.ts';
import type { Explanation, RenderedEstate, RouteAnswer, UsedObject } from './explanation.ts';

type Subject = { kind: string; name: string; namespace: string };
type TrafficTarget = KubeObject & {
  spec: { destination: Subject; sources: Subject[]; rules: { kind: string; name: string; matches: string[] }[] };
};
type RouteGroup = KubeObject & { spec: { matches: { name: string; pathRegex: string; methods: string[] }[] } };

function lookUp(estate: RenderedEstate, ref: UsedObject): KubeObject {
  const found = (estate.clusters.get(ref.cluster) ?? []).find(
    (o) => o.kind === ref.kind && o.metadata.name === ref.name && o.metadata.namespace === ref.namespace,
  );
  assert.ok(found, `${ref.kind} ${ref.namespace ?? ''}/${ref.name} is not in the output of ${ref.cluster}`);
  return found;
}

/** The bookstore input with its MeshConfig's spec replaced. */
function withMeshConfig(spec: unknown): RenderedEstate {
  const base = explainInput('osm-bookstore');
  const clusters = new Map(
    [...base.clusters].map(([cluster, inputs]) => [
      cluster,
      inputs.map((input) =>
        input.object.kind === 'MeshConfig' ? { ...input, object: { ...input.object, spec } } : input,
      ),
    ]),
  );
  const snapshot: InputSnapshot = { ...base, clusters };
  return renderedEstate(snapshot, render(snapshot));
}

const bookbuyer = 'bookbuyer-bookbuyer-cluster-1-deployment';
const bookthief = 'bookthief-bookthief-cluster-1-deployment';
const bookstore = 'bookstore-bookstore-cluster-1';

describe('explain request on OSM: routing (osm-bookstore)', () => {
  const estate = explainEstate('osm-bookstore');

  it('splits every request by the TrafficSplit’s weights, whatever its method or path', () => {
    for (const request of [{}, { method: 'DELETE', path: '/anything', headers: { 'x-a': '1' } }]) {
      const answer = explainRequest(estate, { to: bookstore, from: bookbuyer, ...request });
      assert.equal(answer.mesh, 'osm');
      assert.ok(!('error' in answer.route));
      const route = answer.route;
      assert.ok(route.routeObject);
      const split = lookUp(estate, route.routeObject) as KubeObject & {
        spec: { service: string; backends: { service: string; weight: number }[] };
      };
      assert.equal(split.kind, 'TrafficSplit');
      assert.equal(split.spec.service, 'bookstore');
      assert.deepEqual(
        route.backends.map((b) => [b.host.split('.')[0], b.weight, b.destination]),
        split.spec.backends.map((b) => [b.service, b.weight, `${b.service}-bookstore-cluster-1`]),
      );
      assert.deepEqual(
        route.backends.map((b) => b.weight),
        [75, 25],
      );
      assert.ok(route.trafficPolicies.includes('gloo-mesh/bookstore-canary'));
    }
  });

  it('sends to the Service itself where no TrafficSplit is written', () => {
    const answer = explainRequest(estate, { to: 'bookwarehouse-bookwarehouse-cluster-1', from: bookbuyer });
    const route = answer.route as RouteAnswer;
    assert.equal(route.routeObject, undefined);
    assert.match(route.reason, /no TrafficSplit/);
    assert.deepEqual(
      route.backends.map((b) => [b.weight, b.destination]),
      [[100, 'bookwarehouse-bookwarehouse-cluster-1']],
    );
  });

  it('reports a Retry the MeshConfig leaves unread as written but ignored', () => {
    const answer = explainRequest(estate, { to: bookstore, from: bookbuyer });
    assert.equal((answer.route as RouteAnswer).retries, undefined);
    const retry = answer.used.find((u) => u.kind === 'Retry');
    assert.ok(retry);
    const object = lookUp(estate, retry) as KubeObject & { spec: { source: Subject } };
    assert.deepEqual(object.spec.source, { kind: 'ServiceAccount', name: 'bookbuyer', namespace: 'bookbuyer' });
    assert.ok(
      answer.notes.some((n) =>
        n.includes(`Retry ${retry.namespace ?? ''}/${retry.name} is written, but OSM ignores it`),
      ),
    );
  });

  it('gives the source’s Retry when the MeshConfig turns retries on, and none to another source', () => {
    const enabled = withMeshConfig({
      traffic: { enablePermissiveTrafficPolicyMode: false },
      featureFlags: { enableRetryPolicy: true },
    });
    const answer = explainRequest(enabled, { to: bookstore, from: bookbuyer });
    const retry = answer.used.find((u) => u.kind === 'Retry');
    assert.ok(retry);
    const object = lookUp(enabled, retry) as KubeObject & { spec: { retryPolicy: unknown } };
    assert.deepEqual((answer.route as RouteAnswer).retries, object.spec.retryPolicy);
    assert.deepEqual((object.spec.retryPolicy as { numRetries: number }).numRetries, 3);
    assert.ok((answer.route as RouteAnswer).trafficPolicies.includes('gloo-mesh/bookbuyer-retries'));
    const thief = explainRequest(enabled, { to: bookstore, from: bookthief });
    assert.equal((thief.route as RouteAnswer).retries, undefined);
  });

  it('says it assumes the MeshConfig when the clusters’ own objects are not given', () => {
    const outputsOnly: RenderedEstate = { mgmt: estate.mgmt, clusters: estate.clusters };
    const answer = explainRequest(outputsOnly, { to: bookstore, from: bookbuyer });
    assert.ok((answer.route as RouteAnswer).retries !== undefined);
    assert.ok(answer.notes.some((n) => n.includes('not known here')));
  });
});

describe('explain request on OSM: access (osm-bookstore)', () => {
  const estate = explainEstate('osm-bookstore');

  /** The deciding TrafficTarget names the source, and its HTTPRouteGroup has a match for the request. */
  function checkAllowed(answer: Explanation, method: string, path: string) {
    assert.equal(answer.access.decision, 'ALLOW', answer.access.reason);
    assert.ok(answer.access.decidedBy);
    const target = lookUp(estate, answer.access.decidedBy) as TrafficTarget;
    assert.equal(target.kind, 'TrafficTarget');
    const source = answer.source;
    assert.ok(source);
    assert.ok(target.spec.sources.some((s) => `ServiceAccount ${s.namespace}/${s.name}` === source.principal));
    const rule = target.spec.rules[0];
    assert.ok(rule);
    const group = lookUp(estate, {
      cluster: 'cluster-1',
      kind: 'HTTPRouteGroup',
      namespace: target.metadata.namespace ?? '',
      name: rule.name,
    }) as RouteGroup;
    assert.ok(
      group.spec.matches.some(
        (m) =>
          rule.matches.includes(m.name) &&
          new RegExp(`^(?:${m.pathRegex})$`).test(path) &&
          (m.methods.includes('*') || m.methods.includes(method)),
      ),
    );
  }

  it('allows the service account a TrafficTarget names, on its paths and methods', () => {
    checkAllowed(
      explainRequest(estate, { to: bookstore, from: bookbuyer, path: '/buy-a-book/new' }),
      'GET',
      '/buy-a-book/new',
    );
    checkAllowed(
      explainRequest(estate, { to: bookstore, from: bookbuyer, method: 'POST', path: '/books-bought' }),
      'POST',
      '/books-bought',
    );
    const answer = explainRequest(estate, { to: bookstore, from: bookbuyer, path: '/books-bought' });
    assert.deepEqual(answer.access.allowedBy, ['gloo-mesh/bookbuyer-to-bookstore']);
  });

  it('denies another method, a path the regex does not span, and another service account', () => {
    for (const request of [
      { from: bookbuyer, method: 'DELETE', path: '/books-bought' },
      { from: bookbuyer, path: '/books-bought/extra' },
      { from: bookthief, path: '/buy-a-book/new' },
    ]) {
      const answer = explainRequest(estate, { to: bookstore, ...request });
      assert.equal(answer.access.decision, 'DENY', JSON.stringify(request));
      assert.deepEqual(answer.access.allowedBy, []);
      assert.match(
        answer.access.reason,
        /MeshConfig osm-system\/osm-mesh-config in cluster cluster-1 keeps permissive traffic policy mode off/,
      );
      assert.match(answer.access.reason, /VirtualMesh gloo-mesh\/bookstore asks for default deny/);
      const targets = answer.used.filter((u) => u.kind === 'TrafficTarget');
      assert.ok(targets.length > 0, 'the TrafficTargets of the destination’s service accounts were read');
      for (const ref of targets) {
        const target = lookUp(estate, ref) as TrafficTarget;
        assert.equal(target.spec.destination.namespace, target.metadata.namespace);
      }
    }
  });

  it('is UNKNOWN without --from where TrafficTargets exist', () => {
    const answer = explainRequest(estate, { to: bookstore, path: '/books-bought' });
    assert.equal(answer.access.decision, 'UNKNOWN');
    assert.match(answer.access.reason, /give --from/);
  });

  it('allows every meshed client when the MeshConfig is permissive', () => {
    const permissive = withMeshConfig({ traffic: { enablePermissiveTrafficPolicyMode: true } });
    const answer = explainRequest(permissive, { to: bookstore, from: bookthief, path: '/buy-a-book/new' });
    assert.equal(answer.access.decision, 'ALLOW');
    assert.deepEqual(answer.access.decidedBy, {
      cluster: 'cluster-1',
      kind: 'MeshConfig',
      namespace: 'osm-system',
      name: 'osm-mesh-config',
    });
  });
});

describe('explain request on OSM: sources it cannot serve (mixed-meshes)', () => {
  const estate = explainEstate('mixed-meshes');

  it('names the missing multicluster support instead of guessing', () => {
    const answer = explainRequest(estate, {
      to: 'bookstore-bookstore-osm-cluster',
      from: 'productpage-v1-bookinfo-cluster-1-deployment',
    });
    assert.ok('error' in answer.route);
    assert.match(answer.route.error, /no multicluster support/);
    assert.equal(answer.access.decision, 'UNKNOWN');
  });

  it('evaluates a source in the same OSM mesh', () => {
    const answer = explainRequest(estate, {
      to: 'bookstore-bookstore-osm-cluster',
      from: 'bookbuyer-v1-bookstore-osm-cluster-deployment',
    });
    assert.ok(!('error' in answer.route));
    assert.equal(answer.access.decision, 'ALLOW', answer.access.reason);
    assert.deepEqual(answer.access.allowedBy, ['gloo-mesh/allow-namespace-peers']);
  });
});

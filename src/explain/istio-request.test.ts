// explain request on rendered golden inputs; every answer is checked against the objects it names,
// looked up in the render output (the route it claims is there and says what the answer says).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_INSTALL_NAMESPACE } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import { render } from '../pipeline/render.ts';
import { loadInputTree } from '../snapshot/load.ts';
import { explainRequest } from './explain-request.ts';
import type { Explanation, HypotheticalRequest, RouteAnswer, UsedObject } from './explanation.ts';

const cases = join(import.meta.dirname, '..', '..', 'testdata', 'networking');
const estates = new Map<string, ReturnType<typeof render>>();
function estate(name: string) {
  let output = estates.get(name);
  if (output === undefined) {
    output = render(loadInputTree(join(cases, name, 'input'), { installNamespace: DEFAULT_INSTALL_NAMESPACE }));
    estates.set(name, output);
  }
  return output;
}

function lookUp(name: string, ref: UsedObject): KubeObject {
  const objects = estate(name).clusters.get(ref.cluster) ?? [];
  const found = objects.find(
    (o) => o.kind === ref.kind && o.metadata.name === ref.name && o.metadata.namespace === ref.namespace,
  );
  assert.ok(found, `${ref.kind} ${ref.namespace ?? ''}/${ref.name} is not in the output of ${ref.cluster}`);
  return found;
}

interface HttpRoute {
  retries?: { attempts?: number };
  fault?: unknown;
  route?: { destination: { host: string; subset?: string }; weight?: number }[];
}

/** The route the answer names, as the VirtualService in the output holds it; its backends must be its destinations. */
function checkedRoute(name: string, answer: Explanation): { route: RouteAnswer; http: HttpRoute } {
  assert.ok(!('error' in answer.route), JSON.stringify(answer.route));
  const route = answer.route;
  assert.ok(route.virtualService !== undefined && route.routeIndex !== undefined, 'a VirtualService route is named');
  const vs = lookUp(name, route.virtualService) as KubeObject & { spec: { http: HttpRoute[] } };
  const http = vs.spec.http[route.routeIndex];
  assert.ok(http, `http[${String(route.routeIndex)}] exists`);
  assert.ok(
    answer.used.some(
      (u) => u.kind === 'VirtualService' && u.name === vs.metadata.name && u.routeIndex === route.routeIndex,
    ),
    'the route is among the objects used',
  );
  assert.deepEqual(
    route.backends.map((b) => [b.host, b.subset, b.weight]),
    (http.route ?? []).map((r) => [r.destination.host, r.destination.subset, r.weight ?? 100]),
  );
  assert.deepEqual(route.retries, http.retries);
  return { route, http };
}

function explain(name: string, request: HypotheticalRequest): Explanation {
  return explainRequest(estate(name), request);
}

describe('explain request: routes (route-ordering estate)', () => {
  const to = 'web-shop-cluster-1';
  const attempts = (request: Omit<HypotheticalRequest, 'to'>) => {
    const answer = explain('route-ordering', { to, ...request });
    const { route, http } = checkedRoute('route-ordering', answer);
    return { attempts: http.retries?.attempts, policies: route.trafficPolicies, index: route.routeIndex };
  };

  it('takes the first matching route: exact before regex before the longer prefix', () => {
    assert.deepEqual(attempts({ path: '/a/b' }), { attempts: 6, policies: ['shop/p06-exact'], index: 0 });
    // /a/b/c/d also matches the prefix /a/b/c, but the regex route comes first.
    assert.deepEqual(attempts({ path: '/a/b/c/d' }), { attempts: 8, policies: ['shop/p08-regex'], index: 1 });
  });

  it('anchors regexes: /x/a/b does not match /a/.*', () => {
    assert.notEqual(attempts({ path: '/x/a/b' }).attempts, 8);
  });

  it('matches headers (all of one entry) and methods', () => {
    assert.deepEqual(attempts({ path: '/x', headers: { 'x-a': '1', 'x-b': '2' } }).policies, ['shop/p07-two-headers']);
    assert.deepEqual(attempts({ path: '/x', headers: { 'x-a': '1' } }).policies, ['shop/p05-one-header']);
    assert.equal(attempts({ path: '/x', method: 'PUT' }).attempts, 3);
    assert.deepEqual(attempts({ path: '/x', method: 'DELETE', headers: { 'x-skip': '1' } }), {
      attempts: 1,
      policies: ['shop/p01-catch-all'],
      index: 13,
    });
  });

  it('matches source labels and namespaces only with --from', () => {
    const from = 'productpage-v1-bookinfo-cluster-1-deployment';
    assert.equal(attempts({ path: '/x', method: 'POST', from }).attempts, 10);
    const unknown = explain('route-ordering', { to, path: '/x', method: 'POST' });
    assert.ok(unknown.notes.some((n) => n.includes('give --from')));
  });
});

describe('explain request: across clusters (federation-two-clusters estate)', () => {
  it('splits by weight between a federated subset in cluster-1 and the local Service', () => {
    const answer = explain('federation-two-clusters', {
      to: 'reviews-bookinfo-cluster-2',
      from: 'reviews-v3-bookinfo-cluster-2-deployment',
    });
    const { route } = checkedRoute('federation-two-clusters', answer);
    assert.deepEqual(
      route.backends.map((b) => [b.weight, b.destination, b.cluster, b.via, b.subsetLabels]),
      [
        [50, 'reviews-bookinfo-cluster-1', 'cluster-1', 'federation', { version: 'v2' }],
        [50, 'reviews-bookinfo-cluster-2', 'cluster-2', 'local', undefined],
      ],
    );
    assert.deepEqual(route.trafficPolicies, ['gloo-mesh/reviews-shift-to-cluster-1-v2']);
    const entry = answer.used.find((u) => u.kind === 'ServiceEntry');
    assert.ok(entry);
    const serviceEntry = lookUp('federation-two-clusters', entry) as KubeObject & { spec: { hosts: string[] } };
    assert.ok(serviceEntry.spec.hosts.includes('reviews.bookinfo.svc.cluster-1.global'));
  });

  it('reaches another cluster through its federated host, where a source-namespace route injects a fault', () => {
    const answer = explain('federation-two-clusters', {
      to: 'ratings-bookinfo-cluster-1',
      from: 'reviews-v3-bookinfo-cluster-2-deployment',
    });
    const { route, http } = checkedRoute('federation-two-clusters', answer);
    assert.equal(answer.clientCluster, 'cluster-2');
    assert.equal(route.virtualService?.namespace, 'istio-system');
    assert.deepEqual(route.fault, http.fault);
    assert.deepEqual(route.trafficPolicies, ['gloo-mesh/ratings-fault-from-cluster-2']);
  });
});

describe('explain request: access under a VirtualMesh default deny (global-access-default-deny estate)', () => {
  it('names the AccessPolicy whose AuthorizationPolicy allows the source principal', () => {
    const answer = explain('global-access-default-deny', {
      to: 'reviews-bookinfo-cluster-1',
      from: 'productpage-v1-bookinfo-cluster-1-deployment',
    });
    assert.equal(answer.access.decision, 'ALLOW');
    assert.deepEqual(answer.access.allowedBy, ['gloo-mesh/productpage-to-reviews']);
    assert.ok(answer.access.decidedBy);
    const policy = lookUp('global-access-default-deny', answer.access.decidedBy) as KubeObject & {
      spec: { action: string; rules: { from: { source: { principals: string[] } }[] }[] };
    };
    assert.equal(policy.spec.action, 'ALLOW');
    assert.ok(
      policy.spec.rules.some((r) => r.from.some((f) => f.source.principals.includes(answer.source?.principal ?? ''))),
    );
  });

  it('denies what no AccessPolicy allows, naming the default deny it falls under', () => {
    const answer = explain('global-access-default-deny', {
      to: 'reviews-bookinfo-cluster-1',
      from: 'reviews-v2-bookinfo-cluster-2-deployment',
    });
    assert.equal(answer.access.decision, 'DENY');
    assert.deepEqual(answer.access.allowedBy, []);
    assert.match(answer.access.reason, /VirtualMesh gloo-mesh\/zero-trust denies by default/);
    const denyAll = answer.used.find((u) => u.kind === 'AuthorizationPolicy' && u.name === 'global-access-control');
    assert.ok(denyAll);
    assert.deepEqual((lookUp('global-access-default-deny', denyAll) as { spec?: unknown }).spec, {});
  });

  it('refuses an unknown Destination or Workload with its name', () => {
    assert.throws(() => explain('global-access-default-deny', { to: 'nope' }), /no Destination named nope/);
    assert.throws(
      () => explain('global-access-default-deny', { to: 'reviews-bookinfo-cluster-1', from: 'ghost' }),
      /no Workload named ghost/,
    );
  });
});

// explain request on Linkerd Destinations, on estates rendered by the real translator; every answer is
// checked against the objects it names, looked up in the render output (the rule it claims is there
// and says what the answer says; the policy that allows names the source's identity).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LINKERD_DEFAULT_INBOUND_POLICY_ANNOTATION,
  LINKERD_RETRY_LIMIT_ANNOTATION,
  PARENTS_ANNOTATION,
} from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import { render } from '../pipeline/render.ts';
import { explainEstate, explainInput } from '../testing/explain-cases.ts';
import { renderedEstate } from './estate-objects.ts';
import { explainRequest } from './explain-request.ts';
import type { Explanation, HypotheticalRequest, RenderedEstate, RouteAnswer, UsedObject } from './explanation.ts';

interface Rule {
  matches?: unknown[];
  backendRefs?: { name: string; weight?: number }[];
  timeouts?: { request: string };
}
type HttpRoute = KubeObject & { spec: { rules: Rule[]; parentRefs: { kind: string; name: string }[] } };

function lookUp(estate: RenderedEstate, ref: UsedObject): KubeObject {
  const found = (estate.clusters.get(ref.cluster) ?? []).find(
    (o) => o.kind === ref.kind && o.metadata.name === ref.name && o.metadata.namespace === ref.namespace,
  );
  assert.ok(found, `${ref.kind} ${ref.namespace ?? ''}/${ref.name} is not in the output of ${ref.cluster}`);
  return found;
}

function parentsOf(object: KubeObject, kind: string): string[] {
  const raw = object.metadata.annotations?.[PARENTS_ANNOTATION] ?? '{}';
  const parsed = JSON.parse(raw) as Record<string, { name: string; namespace: string }[]>;
  const entry = Object.entries(parsed).find(([key]) => key.endsWith(`Kind=${kind}`));
  return (entry?.[1] ?? []).map((r) => `${r.namespace}/${r.name}`);
}

/** The rule the answer names, as the HTTPRoute in the output holds it; the answer must say what it says. */
function checkedRule(
  estate: RenderedEstate,
  answer: Explanation,
): { route: RouteAnswer; rule: Rule; object: HttpRoute } {
  assert.equal(answer.mesh, 'linkerd');
  assert.ok(!('error' in answer.route), JSON.stringify(answer.route));
  const route = answer.route;
  assert.ok(route.routeObject !== undefined && route.routeIndex !== undefined, 'an HTTPRoute rule is named');
  assert.equal(route.routeObject.kind, 'HTTPRoute');
  const object = lookUp(estate, route.routeObject) as HttpRoute;
  const rule = object.spec.rules[route.routeIndex];
  assert.ok(rule, `rules[${String(route.routeIndex)}] exists`);
  assert.ok(
    answer.used.some(
      (u) => u.kind === 'HTTPRoute' && u.name === object.metadata.name && u.routeIndex === route.routeIndex,
    ),
    'the rule is among the objects used',
  );
  assert.ok(
    object.spec.parentRefs.some((p) => p.kind === 'Service'),
    'an outbound route, on a Service',
  );
  const refs = rule.backendRefs ?? [];
  const total = refs.reduce((sum, r) => sum + (r.weight ?? 1), 0);
  assert.deepEqual(
    route.backends.map((b) => [b.host.split('.')[0], b.objectWeight ?? b.weight, b.weight]),
    refs.map((r) => [r.name, r.weight ?? 1, Math.round(((r.weight ?? 1) / total) * 10000) / 100]),
  );
  assert.equal(route.timeout, rule.timeouts?.request);
  const limit = object.metadata.annotations?.[LINKERD_RETRY_LIMIT_ANNOTATION];
  assert.deepEqual(
    (route.retries as { limit?: number } | undefined)?.limit,
    limit === undefined ? undefined : Number(limit),
  );
  for (const policy of route.trafficPolicies) assert.ok(parentsOf(object, 'TrafficPolicy').includes(policy));
  return { route, rule, object };
}

describe('explain request on Linkerd: outbound routes (linkerd-routes on linkerd-emojivoto)', () => {
  const estate = explainEstate('linkerd-emojivoto', 'linkerd-routes');
  const to = 'web-svc-emojivoto-cluster-1';
  const from = 'web-emojivoto-cluster-1-deployment';
  const take = (request: Omit<HypotheticalRequest, 'to' | 'from'>) => {
    const answer = explainRequest(estate, { to, from, ...request });
    const { route } = checkedRule(estate, answer);
    return { timeout: route.timeout, policies: route.trafficPolicies, answer };
  };

  it('takes the longest path match: a regex spanning the path beats a shorter prefix listed before it', () => {
    assert.deepEqual(take({ path: '/a/b/c/d' }).policies, ['gloo-mesh/t3-regex']);
    assert.equal(take({ path: '/a/bc' }).timeout, '3s');
  });

  it('keeps the first rule when path matches are as long (Linkerd ranks by length, not by kind)', () => {
    // /a/b: the exact match and the regex both count 4 characters; the exact rule comes first.
    assert.deepEqual(take({ path: '/a/b' }).policies, ['gloo-mesh/t1-exact']);
    // /a/b/c: the prefix and the regex both count 6; the prefix rule comes first.
    assert.deepEqual(take({ path: '/a/b/c' }).policies, ['gloo-mesh/t2-prefix']);
  });

  it('matches prefixes on whole path segments only', () => {
    assert.deepEqual(take({ path: '/split' }).policies, ['gloo-mesh/t10-split']);
    assert.deepEqual(take({ path: '/split/' }).policies, ['gloo-mesh/t10-split']);
    assert.deepEqual(take({ path: '/splitting' }).policies, []);
    // /a/b/cd is not under the prefix /a/b/c; the regex /a/.* takes it.
    assert.deepEqual(take({ path: '/a/b/cd' }).policies, ['gloo-mesh/t3-regex']);
  });

  it('ranks more header matches first, and headers before a method', () => {
    assert.deepEqual(take({ path: '/x', headers: { 'x-a': '1', 'x-b': '2' } }).policies, ['gloo-mesh/t5-two-headers']);
    assert.deepEqual(take({ path: '/x', headers: { 'x-a': '1' } }).policies, ['gloo-mesh/t4-one-header']);
    assert.deepEqual(take({ path: '/x', method: 'PUT', headers: { 'x-a': '1' } }).policies, [
      'gloo-mesh/t4-one-header',
    ]);
    assert.deepEqual(take({ path: '/x', method: 'PUT' }).policies, ['gloo-mesh/t6-method']);
  });

  it('anchors header regexes at both ends', () => {
    assert.deepEqual(take({ path: '/users/1', headers: { 'x-user': 'u12' } }).policies, ['gloo-mesh/t7-user-regex']);
    const miss = take({ path: '/users/1', headers: { 'x-user': 'u12x' } });
    assert.deepEqual(miss.policies, []);
    assert.match((miss.answer.route as RouteAnswer).reason, /default rule/);
  });

  it('reads retries from the route of their own, and says when the route order broke a tie', () => {
    const retried = take({ path: '/x', headers: { 'x-tie-too': '1' } });
    assert.deepEqual(retried.policies, ['gloo-mesh/t9-retry-tie']);
    assert.deepEqual((retried.answer.route as RouteAnswer).retries, { limit: 2, http: '5xx' });
    const tie = take({ path: '/x', headers: { 'x-tie': '1', 'x-tie-too': '1' } });
    // Both rules rank the same; the routes carry no creation time, so web-svc comes before web-svc-retry-2.
    assert.deepEqual(tie.policies, ['gloo-mesh/t8-tie']);
    assert.ok(tie.answer.notes.some((n) => n.includes('web-svc-retry-2') && n.includes('older route')));
  });

  it('splits by the relative weights of the rule, in percent', () => {
    const split = take({ path: '/split/x' });
    assert.deepEqual(split.policies, ['gloo-mesh/t10-split']);
    const backends = (split.answer.route as RouteAnswer).backends;
    assert.deepEqual(
      backends.map((b) => [b.weight, b.objectWeight, b.destination, b.via]),
      [
        [75, 3, 'web-svc-emojivoto-cluster-1', 'local'],
        [25, 1, 'web-svc-v2-emojivoto-cluster-1', 'local'],
      ],
    );
  });

  it('falls to the default rule Mesh Hub adds when no policy matches', () => {
    const fallback = take({ path: '/other', method: 'DELETE' });
    assert.deepEqual(fallback.policies, []);
    assert.match((fallback.answer.route as RouteAnswer).reason, /default rule/);
  });
});

describe('explain request on Linkerd: inbound access (linkerd-routes on linkerd-emojivoto)', () => {
  const estate = explainEstate('linkerd-emojivoto', 'linkerd-routes');
  const to = 'emoji-svc-emojivoto-cluster-1';
  const ask = (from: string | undefined, method: string, path: string) =>
    explainRequest(estate, { to, ...(from === undefined ? {} : { from }), method, path });

  /** The allowing AuthorizationPolicy targets the Server (or a route on it) and names the source's service account. */
  function checkAllowed(answer: Explanation, serviceAccount: string) {
    assert.equal(answer.access.decision, 'ALLOW', answer.access.reason);
    assert.ok(answer.access.decidedBy);
    const policy = lookUp(estate, answer.access.decidedBy) as KubeObject & {
      spec: { targetRef: { kind: string; name: string }; requiredAuthenticationRefs: { name: string }[] };
    };
    assert.equal(policy.kind, 'AuthorizationPolicy');
    const route = answer.used.find((u) => u.kind === 'HTTPRoute' && u.name === policy.spec.targetRef.name);
    assert.ok(route, 'the route the policy targets is the route the request matched');
    const server = answer.used.find((u) => u.kind === 'Server');
    assert.ok(server);
    assert.ok(
      (lookUp(estate, route) as HttpRoute).spec.parentRefs.some((p) => p.kind === 'Server' && p.name === server.name),
    );
    const authentication = lookUp(estate, {
      cluster: 'cluster-1',
      kind: 'MeshTLSAuthentication',
      namespace: 'emojivoto',
      name: policy.spec.requiredAuthenticationRefs[0]?.name ?? '',
    }) as KubeObject & { spec: { identityRefs: { kind: string; name: string; namespace?: string }[] } };
    assert.ok(authentication.spec.identityRefs.some((r) => r.kind === 'ServiceAccount' && r.name === serviceAccount));
    assert.deepEqual(answer.access.allowedBy, parentsOf(policy, 'AccessPolicy'));
  }

  it('allows a source whose identity the route’s AuthorizationPolicy requires', () => {
    checkAllowed(
      ask('web-emojivoto-cluster-1-deployment', 'POST', '/emojivoto.v1.EmojiService/FindByShortcode'),
      'web',
    );
    checkAllowed(ask('voting-emojivoto-cluster-1-deployment', 'POST', '/emojivoto.v1.EmojiService/ListAll'), 'voting');
  });

  it('denies what the matched route’s policies do not allow, naming the Server', () => {
    const answer = ask('voting-emojivoto-cluster-1-deployment', 'POST', '/emojivoto.v1.EmojiService/FindByShortcode');
    assert.equal(answer.access.decision, 'DENY');
    assert.deepEqual(answer.access.allowedBy, []);
    assert.ok(answer.access.decidedBy);
    const server = lookUp(estate, answer.access.decidedBy) as KubeObject & { spec: { accessPolicy: string } };
    assert.equal(server.kind, 'Server');
    assert.equal(server.spec.accessPolicy, 'deny');
  });

  it('applies only the best route’s policies: a tie between an exact path and a regex goes to the first route', () => {
    // Both inbound routes match POST /emojivoto.v1.EmojiService/ListAll over its whole length; Linkerd
    // takes the older route, here the first by name (voting's), and web's own policy does not apply.
    const answer = ask('web-emojivoto-cluster-1-deployment', 'POST', '/emojivoto.v1.EmojiService/ListAll');
    assert.equal(answer.access.decision, 'DENY');
    assert.ok(answer.used.some((u) => u.kind === 'HTTPRoute' && u.name === 'emoji-svc-voting-lists-emoji-gloo-mesh'));
    assert.ok(answer.notes.some((n) => n.includes('emoji-svc-web-calls-emoji-gloo-mesh')));
  });

  it('refuses a request no route on the Server matches, and is UNKNOWN without --from', () => {
    const get = ask('web-emojivoto-cluster-1-deployment', 'GET', '/emojivoto.v1.EmojiService/FindByShortcode');
    assert.equal(get.access.decision, 'DENY');
    assert.match(get.access.reason, /no HTTPRoute on Server emojivoto\/emoji-svc-8080 matches/);
    assert.equal(ask(undefined, 'POST', '/emojivoto.v1.EmojiService/ListAll').access.decision, 'UNKNOWN');
  });

  it('applies Linkerd’s default inbound policy where no Server guards the port', () => {
    const request = { to: 'voting-svc-emojivoto-cluster-1', from: 'web-emojivoto-cluster-1-deployment' };
    assert.ok(
      !(estate.clusters.get('cluster-1') ?? []).some(
        (o) => o.kind === 'Server' && o.metadata.name.startsWith('voting-svc'),
      ),
    );
    const answer = explainRequest(estate, request);
    assert.equal(answer.access.decision, 'ALLOW');
    assert.match(answer.access.reason, /default inbound policy all-unauthenticated \(from Linkerd's default\)/);
    assert.ok(!answer.used.some((u) => u.kind === 'Server'));
    // An annotation on the namespace (one of the clusters' own objects) changes it.
    const input = explainInput('linkerd-emojivoto', 'linkerd-routes');
    const clusters = new Map(
      [...input.clusters].map(([cluster, inputs]) => [
        cluster,
        inputs.map((i) =>
          i.object.kind === 'Namespace' && i.object.metadata.name === 'emojivoto'
            ? {
                ...i,
                object: {
                  ...i.object,
                  metadata: {
                    ...i.object.metadata,
                    annotations: { [LINKERD_DEFAULT_INBOUND_POLICY_ANNOTATION]: 'deny' },
                  },
                },
              }
            : i,
        ),
      ]),
    );
    const denying = { ...input, clusters };
    const denied = explainRequest(renderedEstate(denying, render(denying)), request);
    assert.equal(denied.access.decision, 'DENY');
    assert.match(denied.access.reason, /default inbound policy deny \(from Namespace emojivoto\)/);
    // Without the clusters' own objects the default is not known.
    const outputsOnly = explainRequest({ mgmt: estate.mgmt, clusters: estate.clusters }, request);
    assert.equal(outputsOnly.access.decision, 'UNKNOWN');
  });
});

describe('explain request on Linkerd: across clusters under default deny (linkerd-virtual-mesh)', () => {
  const estate = explainEstate('linkerd-virtual-mesh');

  it('sends a weighted share to another cluster through the mirror Service a Link keeps', () => {
    const answer = explainRequest(estate, {
      to: 'web-svc-emojivoto-linkerd-east',
      from: 'web-emojivoto-linkerd-east-deployment',
    });
    const { route } = checkedRule(estate, answer);
    assert.deepEqual(route.trafficPolicies, ['gloo-mesh/web-spillover']);
    assert.deepEqual(
      route.backends.map((b) => [b.weight, b.destination, b.cluster, b.via]),
      [
        [80, 'web-svc-emojivoto-linkerd-east', 'linkerd-east', 'local'],
        [20, 'web-svc-emojivoto-linkerd-west', 'linkerd-west', 'federation'],
      ],
    );
    const mirror = (estate.clusterInputs?.get('linkerd-east') ?? []).find(
      (o) => o.kind === 'Service' && o.metadata.name === 'web-svc-linkerd-west',
    );
    assert.ok(mirror, 'the mirror Service is among linkerd-east’s objects');
  });

  it('cannot reach a Service of a cluster the client’s cluster has no Link to', () => {
    const answer = explainRequest(estate, {
      to: 'voting-svc-emojivoto-linkerd-east',
      from: 'web-emojivoto-linkerd-west-deployment',
    });
    assert.ok('error' in answer.route);
    assert.match(answer.route.error, /no Linkerd mirror/);
  });

  it('allows the AccessPolicy’s identity and denies others by the VirtualMesh’s default deny', () => {
    const allowed = explainRequest(estate, {
      to: 'voting-svc-emojivoto-linkerd-east',
      from: 'web-emojivoto-linkerd-east-deployment',
    });
    assert.equal(allowed.access.decision, 'ALLOW');
    assert.deepEqual(allowed.access.allowedBy, ['gloo-mesh/web-to-voting']);
    assert.ok(allowed.access.decidedBy);
    const policy = lookUp(estate, allowed.access.decidedBy) as KubeObject & { spec: { targetRef: { kind: string } } };
    assert.equal(policy.spec.targetRef.kind, 'Server');

    const denied = explainRequest(estate, {
      to: 'voting-svc-emojivoto-linkerd-east',
      from: 'emoji-emojivoto-linkerd-east-deployment',
    });
    assert.equal(denied.access.decision, 'DENY');
    assert.match(denied.access.reason, /VirtualMesh gloo-mesh\/zero-trust denies by default/);
    assert.ok(denied.access.decidedBy);
    assert.deepEqual(parentsOf(lookUp(estate, denied.access.decidedBy), 'VirtualMesh'), ['gloo-mesh/zero-trust']);
  });

  it('gives a source outside Linkerd no identity, and does not evaluate its own mesh’s routing', () => {
    const answer = explainRequest(estate, {
      to: 'voting-svc-emojivoto-linkerd-east',
      from: 'productpage-v1-bookinfo-istio-1-deployment',
    });
    assert.ok('error' in answer.route);
    assert.equal(answer.access.decision, 'DENY');
    assert.match(answer.access.reason, /without a Linkerd identity/);
  });
});

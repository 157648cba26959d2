import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HTTPMatchRequest, HTTPRoute } from './istio-types.ts';
import { compareMatchSpecificity, orderRoutesBySpecificity } from './route-order.ts';

const route = (match: HTTPMatchRequest, tag: string): HTTPRoute => ({
  match: [match],
  route: [{ destination: { host: tag } }],
});
const hosts = (routes: HTTPRoute[]) => routes.map((r) => r.route?.[0]?.destination.host);

describe('route specificity (as Gloo Mesh 1.x orders routes)', () => {
  it('puts exact before regex before prefix before no URI, longer before shorter', () => {
    const ordered = orderRoutesBySpecificity([
      route({}, 'none'),
      route({ uri: { prefix: '/a' } }, 'prefix-short'),
      route({ uri: { regex: '/a.*' } }, 'regex'),
      route({ uri: { prefix: '/a/b' } }, 'prefix-long'),
      route({ uri: { exact: '/a' } }, 'exact'),
    ]);
    assert.deepEqual(hosts(ordered), ['exact', 'regex', 'prefix-long', 'prefix-short', 'none']);
  });

  it('orders by header count, then query count, then source labels, then source namespace (reverse), then method', () => {
    const ordered = orderRoutesBySpecificity([
      route({ method: { exact: 'GET' } }, 'method'),
      route({ sourceNamespace: 'a' }, 'ns-a'),
      route({ sourceNamespace: 'b' }, 'ns-b'),
      route({ sourceLabels: { app: 'x' } }, 'labels'),
      route({ queryParams: { q: { exact: '1' } } }, 'query'),
      route({ headers: { a: { exact: '1' } } }, 'one-header'),
      route({ headers: { a: { exact: '1' }, b: { exact: '2' } } }, 'two-headers'),
    ]);
    assert.deepEqual(hosts(ordered), ['two-headers', 'one-header', 'query', 'labels', 'ns-b', 'ns-a', 'method']);
  });

  it('breaks the remaining ties by withoutHeaders, then port, then the given order (stable)', () => {
    const ordered = orderRoutesBySpecificity([
      route({ port: 9090 }, 'p9090-first'),
      route({ port: 80 }, 'p80'),
      route({ port: 9090 }, 'p9090-second'),
      route({ withoutHeaders: { x: { exact: '1' } }, port: 9999 }, 'without'),
    ]);
    assert.deepEqual(hosts(ordered), ['without', 'p80', 'p9090-first', 'p9090-second']);
  });

  it('is a consistent comparator (antisymmetric) on every pair of sample matches', () => {
    const samples: HTTPMatchRequest[] = [
      {},
      { uri: { exact: '/x' } },
      { uri: { exact: '/y' } },
      { uri: { prefix: '/x' } },
      { uri: { regex: '.*' } },
      { headers: { a: { exact: '1' } } },
      { method: { exact: 'GET' } },
      { method: { exact: 'POST' } },
      { sourceNamespace: 'n' },
      { port: 1 },
    ];
    for (const a of samples) {
      for (const b of samples) {
        assert.equal(Math.sign(compareMatchSpecificity(a, b)), -Math.sign(compareMatchSpecificity(b, a)) || 0);
      }
    }
  });
});

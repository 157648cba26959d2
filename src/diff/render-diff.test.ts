import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/meta.ts';
import { diffFields } from './field-diff.ts';
import { formatRenderDiff } from './format-diff.ts';
import { diffRenders } from './render-diff.ts';

const vs = (timeout: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews', namespace: 'bookinfo' },
  spec: { hosts: ['reviews'], http: [{ timeout, route: [{ destination: { host: 'reviews' } }] }], ...extra },
});

const policy = (name: string, status: unknown): KubeObject => ({
  apiVersion: 'networking.mesh.gloo.solo.io/v1',
  kind: 'TrafficPolicy',
  metadata: { name, namespace: 'gloo-mesh', generation: 2 },
  spec: {},
  status,
});

describe('diffFields', () => {
  it('names each changed leaf by its path, keys sorted, list items by index', () => {
    assert.deepEqual(diffFields({ b: 1, a: { 'x.y': [1, 2] } }, { b: 2, a: { 'x.y': [1] }, c: 'new' }), [
      { path: 'a["x.y"][1]', before: 2 },
      { path: 'b', before: 1, after: 2 },
      { path: 'c', after: 'new' },
    ]);
  });

  it('tells a number from the same digits in a string, and finds nothing in equal values', () => {
    assert.deepEqual(diffFields({ a: 5 }, { a: '5' }), [{ path: 'a', before: 5, after: '5' }]);
    assert.deepEqual(diffFields({ a: [{ b: null }] }, { a: [{ b: null }] }), []);
  });

  it('compares a JSON document held in a string inside', () => {
    assert.deepEqual(diffFields({ p: '{"a":[1]}' }, { p: '{"a":[2]}' }), [
      { path: 'p(json)a[0]', before: 1, after: 2 },
    ]);
  });
});

describe('diffRenders', () => {
  it('groups created, updated and deleted objects by cluster, in the output order', () => {
    const gone: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'old', namespace: 'a' } };
    const diff = diffRenders(
      {
        mgmt: [],
        clusters: new Map([
          ['c2', [vs('1s')]],
          ['c1', [gone]],
        ]),
      },
      {
        mgmt: [],
        clusters: new Map([
          ['c2', [vs('2s')]],
          ['c1', []],
          ['c3', [vs('1s')]],
        ]),
      },
    );
    assert.deepEqual(
      diff.clusters.map((c) => [c.cluster, c.objects.map((o) => `${o.change} ${o.kind}`)]),
      [
        ['c1', ['deleted Service']],
        ['c2', ['updated VirtualService']],
        ['c3', ['created VirtualService']],
      ],
    );
    assert.deepEqual(diff.counts, { created: 1, updated: 1, deleted: 1 });
    const updated = diff.clusters[1]?.objects[0];
    assert.deepEqual(updated?.change === 'updated' ? updated.fields : [], [
      { path: 'spec.http[0].timeout', before: '1s', after: '2s' },
    ]);
  });

  it('reports a policy status change with its errors and the policies it conflicts with, not its generation', () => {
    const accepted = { state: 'ACCEPTED', observedGeneration: 1 };
    const conflicting = {
      state: 'INVALID',
      observedGeneration: 2,
      destinations: {
        'reviews-bookinfo-c1.gloo-mesh.': {
          state: 'INVALID',
          errors: [
            'conflict: policy.retries on the route is already set to a different value by TrafficPolicy gloo-mesh/first, AccessPolicy gloo-mesh/x, which was accepted first',
          ],
        },
      },
    };
    const diff = diffRenders(
      { mgmt: [policy('p', accepted), policy('same', accepted)], clusters: new Map() },
      { mgmt: [policy('p', conflicting), policy('same', { ...accepted, observedGeneration: 2 })], clusters: new Map() },
    );
    assert.equal(diff.clusters.length, 0, 'status and generation are not object changes');
    assert.deepEqual(diff.policies, [
      {
        kind: 'TrafficPolicy',
        namespace: 'gloo-mesh',
        name: 'p',
        before: { state: 'ACCEPTED', errors: [], conflictsWith: [] },
        after: {
          state: 'INVALID',
          errors: [
            'reviews-bookinfo-c1.gloo-mesh.: conflict: policy.retries on the route is already set to a different value by TrafficPolicy gloo-mesh/first, AccessPolicy gloo-mesh/x, which was accepted first',
          ],
          conflictsWith: ['AccessPolicy gloo-mesh/x', 'TrafficPolicy gloo-mesh/first'],
        },
      },
    ]);
    assert.ok(diff.changed);
  });

  it('says no changes for equal renders, and colours only when asked', () => {
    const same = { mgmt: [], clusters: new Map([['c1', [vs('1s')]]]) };
    const none = diffRenders(same, same);
    assert.equal(none.changed, false);
    assert.equal(formatRenderDiff(none, { colour: false }), 'no changes\n');
    const some = diffRenders(same, { mgmt: [], clusters: new Map([['c1', [vs('3s')]]]) });
    assert.ok(!formatRenderDiff(some, { colour: false }).includes('\u001b'));
    assert.ok(formatRenderDiff(some, { colour: true }).includes('\u001b[33m  ~ VirtualService bookinfo/reviews'));
  });
});

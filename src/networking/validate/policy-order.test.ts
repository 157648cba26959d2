import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trafficPolicy } from '../test-fixtures.ts';
import { orderPolicies } from './policy-order.ts';

const DEST = 'reviews-bookinfo-cluster-1.gloo-mesh.';
const names = (list: { metadata: { name: string } }[]) => list.map((p) => p.metadata.name);

describe('orderPolicies', () => {
  it('orders policies never accepted by their key <name>.<namespace>.', () => {
    const policies = [trafficPolicy('b', {}), trafficPolicy('a-b', {}), trafficPolicy('a', {})];
    // "a-b." sorts before "a." because "-" < ".": the key order, as upstream compared keys.
    assert.deepEqual(names(orderPolicies(policies, DEST)), ['a-b', 'a', 'b']);
  });

  it('puts policies already accepted on the Destination first, unchanged ones first, by acceptance order', () => {
    const accepted = (name: string, order: number, generation: number, observed: number) => ({
      ...trafficPolicy(name, {}, generation),
      status: {
        observedGeneration: observed,
        destinations: { [DEST]: { state: 'ACCEPTED' as const, acceptanceOrder: order } },
      },
    });
    const policies = [
      trafficPolicy('a-new', {}),
      accepted('z-second', 1, 1, 1),
      accepted('y-first', 0, 1, 1),
      accepted('x-modified', 0, 2, 1),
      {
        ...trafficPolicy('b-rejected', {}),
        status: { observedGeneration: 1, destinations: { [DEST]: { state: 'INVALID' as const } } },
      },
    ];
    assert.deepEqual(names(orderPolicies(policies, DEST)), [
      'y-first',
      'z-second',
      'x-modified',
      'a-new',
      'b-rejected',
    ]);
  });

  it('ignores acceptance on other Destinations', () => {
    const elsewhere = {
      ...trafficPolicy('z', {}),
      status: {
        observedGeneration: 1,
        destinations: { 'other.gloo-mesh.': { state: 'ACCEPTED' as const, acceptanceOrder: 0 } },
      },
    };
    assert.deepEqual(names(orderPolicies([elsewhere, trafficPolicy('a', {})], DEST)), ['a', 'z']);
  });
});

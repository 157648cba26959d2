import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { KubeObject } from '../api/meta.ts';
import { compareObjects, sortObjects } from './order.ts';

/** Few distinct values per field, so that groups, ties and equal names are common. */
const object = fc.record({
  apiVersion: fc.constantFrom('v1', 'apps/v1', 'networking.istio.io/v1', 'a', 'ab'),
  kind: fc.constantFrom('Service', 'Deployment', 'VirtualService', 'S'),
  namespace: fc.option(fc.constantFrom('default', 'ns', 'n', ''), { nil: undefined }),
  name: fc.constantFrom('a', 'b', 'a-1', 'B', 'reviews', 'reviews-v2'),
  tag: fc.nat(),
});

function toKube(input: {
  apiVersion: string;
  kind: string;
  namespace: string | undefined;
  name: string;
  tag: number;
}): KubeObject {
  return {
    apiVersion: input.apiVersion,
    kind: input.kind,
    metadata: { name: input.name, ...(input.namespace === undefined ? {} : { namespace: input.namespace }) },
    tag: input.tag,
  };
}

describe('sortObjects', () => {
  it('orders as a stable sort by compareObjects does', () => {
    fc.assert(
      fc.property(fc.array(object, { maxLength: 60 }), (inputs) => {
        const objects = inputs.map(toKube);
        assert.deepEqual(sortObjects(objects), [...objects].sort(compareObjects));
      }),
      { seed: 5, numRuns: 500 },
    );
  });
});

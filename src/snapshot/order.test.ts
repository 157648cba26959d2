import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { KubeObject } from '../api/meta.ts';
import { compareObjects, sortObjects } from './order.ts';

/** The order as first written: one key string per object, compared whole; a stable sort. */
function reference(objects: readonly KubeObject[]): KubeObject[] {
  const key = (o: KubeObject) =>
    `${o.apiVersion}\u0000${o.kind}\u0000${o.metadata.namespace ?? ''}\u0000${o.metadata.name}`;
  return objects
    .map((object, i) => ({ object, i, key: key(object) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i))
    .map(({ object }) => object);
}

// Few distinct values, some prefixes of others, so ties and shared prefixes are common.
const word = fc.constantFrom('v1', 'v1beta1', 'a', 'ab', 'b', 'B', 'x-1', 'x');
const object = fc.record(
  {
    apiVersion: word,
    kind: word,
    namespace: fc.option(word, { nil: undefined }),
    name: word,
    id: fc.nat(),
  },
  { requiredKeys: ['apiVersion', 'kind', 'name', 'id'] },
);

function toObject(fields: {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
  id: number;
}): KubeObject {
  return {
    apiVersion: fields.apiVersion,
    kind: fields.kind,
    metadata: { name: fields.name, ...(fields.namespace === undefined ? {} : { namespace: fields.namespace }) },
    id: fields.id,
  };
}

describe('sortObjects', () => {
  it('orders as comparing one key string per object would, keeping equal objects in input order', () => {
    fc.assert(
      fc.property(fc.array(object, { maxLength: 60 }), (fields) => {
        const objects = fields.map(toObject);
        const sorted = sortObjects(objects);
        assert.deepEqual(sorted, reference(objects));
        // Same objects, not copies.
        for (const [i, o] of sorted.entries()) assert.equal(o, reference(objects)[i]);
        assert.deepEqual([...objects].sort(compareObjects), reference(objects));
      }),
      { seed: 17, numRuns: 500 },
    );
  });

  it('returns a new list for an already sorted one', () => {
    const objects = [toObject({ apiVersion: 'v1', kind: 'A', name: 'a', id: 1 })];
    const sorted = sortObjects(objects);
    assert.notEqual(sorted, objects);
    assert.deepEqual(sorted, objects);
  });
});

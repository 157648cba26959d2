import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { KubeObject } from '../../api/meta.ts';
import { objectChanges } from './changed-outputs.ts';

const pool: readonly KubeObject[] = Array.from({ length: 12 }, (_, i) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: `o${String(i)}` },
}));

describe('objectChanges', () => {
  it('lists, by identity, the objects new in the next pass and those gone from the last', () => {
    const list = fc
      .uniqueArray(fc.nat(pool.length - 1), { maxLength: pool.length })
      .map((picks) => picks.flatMap((i) => pool[i] ?? []));
    fc.assert(
      fc.property(list, list, fc.boolean(), (previous, next, sameArray) => {
        const after = sameArray ? previous : next;
        const { changed, gone } = objectChanges(previous, after);
        assert.deepEqual(new Set(changed), new Set(after.filter((o) => !previous.includes(o))));
        assert.deepEqual(new Set(gone), new Set(previous.filter((o) => !after.includes(o))));
        assert.equal(changed.length, new Set(changed).size);
      }),
      { seed: 1703, numRuns: 500 },
    );
  });

  it('finds nothing in two lists of the same objects in the same places', () => {
    const copy = [...pool];
    assert.deepEqual(objectChanges(pool, copy), { changed: [], gone: [] });
  });
});

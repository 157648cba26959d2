import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { KubeObject } from '../api/meta.ts';
import { sortObjects } from '../snapshot/order.ts';
import { patchedOutputs } from './networking.ts';

// Few apiVersions, kinds, namespaces and names, so that groups are shared and identities collide.
const object: fc.Arbitrary<KubeObject> = fc
  .record({
    apiVersion: fc.constantFrom('networking.istio.io/v1', 'security.istio.io/v1', 'v1'),
    kind: fc.constantFrom('DestinationRule', 'ServiceEntry', 'VirtualService'),
    namespace: fc.option(fc.constantFrom('bookinfo', 'istio-system'), { nil: undefined }),
    name: fc.stringMatching(/^[a-e]{1,3}$/),
  })
  .map(({ apiVersion, kind, namespace, name }) => ({
    apiVersion,
    kind,
    metadata: namespace === undefined ? { name } : { name, namespace },
  }));

describe('patchedOutputs', () => {
  it('gives the order of sorting the kept and added objects anew, or undefined when two share an identity', () => {
    fc.assert(
      fc.property(
        fc.array(object, { maxLength: 40 }),
        fc.array(fc.boolean(), { maxLength: 40 }),
        fc.array(object, { maxLength: 10 }),
        (all, removeFlags, added) => {
          const previous = sortObjects(all);
          const removed = new Set(previous.filter((_, i) => removeFlags[i] === true));
          const patched = patchedOutputs(previous, removed, added);
          const kept = previous.filter((o) => !removed.has(o));
          const expected = sortObjects([...kept, ...added]);
          const key = (o: KubeObject) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
          const addedKeys = added.map(key);
          const collides = new Set(addedKeys).size < addedKeys.length || kept.some((o) => addedKeys.includes(key(o)));
          if (collides) assert.equal(patched, undefined);
          else {
            assert.ok(patched !== undefined);
            // The same objects (identity), in the same places.
            assert.equal(patched.length, expected.length);
            patched.forEach((o, i) => {
              assert.equal(o, expected[i]);
            });
          }
        },
      ),
      { seed: 1703, numRuns: 500 },
    );
  });

  it('keeps the kept objects themselves and adds nothing when nothing changed', () => {
    const previous = sortObjects([
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'b', namespace: 'x' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'x' } },
    ]);
    const patched = patchedOutputs(previous, new Set(), []);
    assert.ok(patched !== undefined);
    assert.deepEqual(patched, previous);
    assert.equal(patched[0], previous[0]);
  });
});

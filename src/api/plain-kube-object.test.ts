import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isPlainKubeObject, KubeObject } from './meta.ts';

// Values near the schema's edges: every field the schema checks, absent, well-typed or wrongly typed.
const loose = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constantFrom('', 'x', 'v1', 'reviews'),
  fc.constantFrom(0, 1, -1, 1.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY),
  fc.boolean(),
  fc.constantFrom({}, { a: 'b' }, { a: 1 }, [], ['a']),
);
/** Mostly a value the schema takes, sometimes one near its edges. */
const mostly = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 40, arbitrary: valid }, { weight: 1, arbitrary: loose });
const text = fc.string({ maxLength: 6 });
const stringMap = mostly(fc.dictionary(fc.string({ maxLength: 4 }), mostly(text), { maxKeys: 3 }));
const ownerReference = mostly(
  fc.record(
    {
      apiVersion: mostly(text),
      kind: mostly(text),
      name: mostly(text),
      uid: mostly(text),
      controller: mostly(fc.boolean()),
    },
    { requiredKeys: [] },
  ),
);
const metadata = mostly(
  fc.record(
    {
      name: mostly(fc.string({ minLength: 1, maxLength: 6 })),
      namespace: mostly(text),
      labels: stringMap,
      annotations: stringMap,
      generation: mostly(fc.integer()),
      resourceVersion: mostly(text),
      uid: mostly(text),
      creationTimestamp: mostly(text),
      ownerReferences: mostly(fc.array(ownerReference, { maxLength: 3 })),
      extra: loose,
    },
    { requiredKeys: ['name'] },
  ),
);
const nonEmpty = fc.string({ minLength: 1, maxLength: 6 });
const candidate = fc.record(
  { apiVersion: mostly(nonEmpty), kind: mostly(nonEmpty), metadata, spec: loose },
  { requiredKeys: ['apiVersion', 'kind', 'metadata'] },
);

describe('isPlainKubeObject', () => {
  it('says yes only where the schema accepts the value as it is', () => {
    let yes = 0;
    fc.assert(
      fc.property(candidate, (value: Record<string, unknown>) => {
        if (!isPlainKubeObject(value)) return;
        yes++;
        const parsed = KubeObject.safeParse(value);
        assert.ok(parsed.success, JSON.stringify(value));
        assert.deepStrictEqual(parsed.data, value);
      }),
      { seed: 17, numRuns: 10_000 },
    );
    // The generator reaches the fast way often enough for the comparison to mean something.
    assert.ok(yes > 200, `fast way taken ${String(yes)} times`);
  });

  it('says yes for the usual objects, so reading takes the fast way', () => {
    const usual = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'reviews-v1',
        namespace: 'bookinfo',
        labels: { app: 'reviews' },
        annotations: {},
        generation: 3,
        ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'y', controller: true }],
      },
      spec: { replicas: 1 },
    };
    assert.equal(isPlainKubeObject(usual), true);
    assert.equal(isPlainKubeObject({ ...usual, metadata: { ...usual.metadata, name: '' } }), false);
    assert.equal(isPlainKubeObject({ ...usual, metadata: { ...usual.metadata, generation: 1.5 } }), false);
    assert.equal(isPlainKubeObject({ ...usual, metadata: { ...usual.metadata, labels: { a: 1 } } }), false);
    assert.equal(isPlainKubeObject({ ...usual, kind: undefined }), false);
  });
});

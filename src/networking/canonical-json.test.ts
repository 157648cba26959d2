import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalJson } from './canonical-json.ts';

/** The definition: JSON of a copy with every object's keys inserted in sorted order. */
function reference(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (typeof v === 'object' && v !== null) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) {
        const child = (v as Record<string, unknown>)[key];
        if (child !== undefined) out[key] = sortKeys(child);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

describe('canonicalJson', () => {
  it('equals the JSON of a key-sorted copy for any value', () => {
    // Any UTF-16 text, lone surrogates and control characters included, in keys and values.
    const text = fc.string({ unit: 'binary' });
    const keys = fc.oneof(text, fc.constantFrom('__proto__', '0', '10', '2', '1a', 'a', 'b', 'B', '', '"', '\\'));
    const value = fc.anything({
      key: keys,
      values: [text, fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null)],
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withSparseArray: true,
      withObjectString: true,
    });
    fc.assert(
      fc.property(value, (v) => {
        assert.equal(canonicalJson(v), reference(v));
      }),
      { seed: 17, numRuns: 3000 },
    );
  });

  it('sorts keys at every depth and leaves out undefined, functions and symbols', () => {
    assert.equal(
      canonicalJson({ b: [{ y: 1, x: undefined }, undefined, () => 1], a: { d: Symbol('s'), c: 'é"' } }),
      '{"a":{"c":"é\\""},"b":[{"y":1},null,null]}',
    );
    assert.equal(canonicalJson({ b: 1, a: 2 }), canonicalJson({ a: 2, b: 1 }));
  });

  it('escapes as JSON.stringify does: quotes, backslashes, control characters, lone surrogates', () => {
    for (const text of ['"', '\\', '\n', '\u0000', '\u001f', '\ud800', 'a\udc00', '😀', 'plain', '']) {
      assert.equal(canonicalJson({ [text]: text }), `{${JSON.stringify(text)}:${JSON.stringify(text)}}`, text);
    }
  });

  it('lists index-like keys first, as an object holding them does', () => {
    assert.equal(canonicalJson({ b: 1, 10: 2, 2: 3 }), '{"2":3,"10":2,"b":1}');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parsePlainJson } from './plain-json.ts';
import { InputError, parseKubeYaml, parseKubeYamlCarefully, type ParsedDocument } from './yaml.ts';

/** A JSON value written as text by hand, so that keys may repeat and whitespace varies. */
type Json = { readonly scalar: string } | { readonly list: readonly Json[] } | { readonly entries: readonly Entry[] };
type Entry = readonly [string, Json];

const KEYS = ['a', 'b', 'name', '__proto__', 'constructor', '', ' ', 'a:b', '"q"', 'é', '🙂', 'x'.repeat(1100)];
const STRINGS = ['', 'plain', 'a\nb', 'tab\there', 'quote"', 'back\\slash', '\u2028', '日本', '🙂', '# not a comment'];

const whitespace = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom('', ' ', '\n', '\r\n', '  ') },
  { weight: 1, arbitrary: fc.constant('\t') },
);
const key = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 6, arbitrary: fc.string({ minLength: 3, maxLength: 8 }) },
);
const scalarText = fc
  .oneof(
    fc.constantFrom(...STRINGS, 'é', '-0', '0', '1e3', '1E-3', '1.0', '12345678901234567890', 'true', 'false', 'null'),
    fc.string({ maxLength: 8 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
  )
  .map((value) => {
    if (typeof value === 'number') return JSON.stringify(value);
    if (/^(-?\d|true$|false$|null$)/.test(value)) return value;
    return JSON.stringify(value);
  });

const { json } = fc.letrec<{ json: Json }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarText.map((scalar) => ({ scalar })),
    fc.array(tie('json'), { maxLength: 3 }).map((list) => ({ list })),
    fc.array(fc.tuple(key, tie('json')), { maxLength: 4 }).map((entries) => ({ entries })),
  ),
}));

function write(value: Json, space: () => string): string {
  if ('scalar' in value) return value.scalar;
  if ('list' in value)
    return `[${space()}${value.list.map((item) => write(item, space)).join(`,${space()}`)}${space()}]`;
  const pairs = value.entries.map(
    ([name, item]) => `${JSON.stringify(name)}${space()}:${space()}${write(item, space)}`,
  );
  return `{${space()}${pairs.join(`,${space()}`)}${space()}}`;
}

/** A Kubernetes object (or a List of them) with generated fields around the ones the reader needs. */
const document = fc
  .record({
    list: fc.boolean(),
    items: fc.array(
      fc.record({
        name: fc.oneof(fc.constantFrom('a', 'b', 'c'), fc.string({ maxLength: 4 })),
        extra: fc.array(fc.tuple(key, json), { maxLength: 3 }),
        repeat: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    spaces: fc.array(whitespace, { minLength: 1, maxLength: 8 }),
    junk: fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom('', '\n') },
      { weight: 1, arbitrary: fc.constantFrom('\n---\n{}', ' # comment', '\n...\n', 'x') },
    ),
  })
  .map(({ list, items, spaces, junk }) => {
    let i = 0;
    const space = () => spaces[i++ % spaces.length] ?? '';
    const objects: Json[] = items.map(({ name, extra, repeat }) => ({
      entries: [
        ['apiVersion', { scalar: '"v1"' }],
        ['kind', { scalar: '"ConfigMap"' }],
        ['metadata', { entries: [['name', { scalar: JSON.stringify(name) }]] }],
        ...extra,
        ...(repeat ? ([['kind', { scalar: '"Secret"' }]] as const) : []),
      ],
    }));
    const value: Json =
      list || objects.length > 1
        ? {
            entries: [
              ['apiVersion', { scalar: '"v1"' }],
              ['kind', { scalar: '"List"' }],
              ['items', { list: objects }],
            ],
          }
        : (objects[0] ?? { entries: [] });
    return `${space()}${write(value, space)}${junk}`;
  });

type Outcome = { readonly documents: readonly ParsedDocument[] } | { readonly error: string };

function outcome(read: () => ParsedDocument[]): Outcome {
  try {
    return { documents: read() };
  } catch (error) {
    if (error instanceof InputError) return { error: error.message };
    throw error;
  }
}

describe('the JSON fast way into an input file', () => {
  it('reads what the YAML reader reads, and refuses what it refuses with the same words', () => {
    let fast = 0;
    fc.assert(
      fc.property(document, (text) => {
        if (parsePlainJson(text) !== undefined) fast += 1;
        assert.deepEqual(
          outcome(() => parseKubeYaml(text, 'f.json')),
          outcome(() => parseKubeYamlCarefully(text, 'f.json')),
        );
      }),
      { seed: 17, numRuns: 600 },
    );
    assert.ok(fast > 200, `the fast way read only ${String(fast)} of 600 texts`);
  });

  it('takes plain JSON objects and lists', () => {
    const text =
      '{"apiVersion":"v1","kind":"List","items":[\n{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}\n]}\n';
    assert.notEqual(parsePlainJson(text), undefined);
    assert.deepEqual(
      parseKubeYaml(text, 'ns.json').map((parsed) => [parsed.document, parsed.object.metadata.name]),
      [[0, 'a']],
    );
  });

  it('leaves a duplicate key, however deep, to the YAML reader, which names file, document and line', () => {
    const text = '{"apiVersion":"v1","kind":"Namespace",\n"metadata":{"name":"a","labels":{"x":"1",\n"x":"2"}}}';
    assert.equal(parsePlainJson(text), undefined);
    assert.throws(
      () => parseKubeYaml(text, 'mgmt/ns.json'),
      (error: unknown) =>
        error instanceof InputError &&
        /^mgmt\/ns\.json \(document 0\): invalid YAML at line 3, column 1: Map keys must be unique/.test(error.message),
    );
  });

  it('leaves what is not one JSON object to the YAML reader', () => {
    for (const text of ['', '[]', '"x"', '{"a":1} {"b":2}', 'a: 1', '{"a":1}\n---\n{"b":2}', '{"a":\t1}', '{a: 1}']) {
      assert.equal(parsePlainJson(text), undefined, JSON.stringify(text));
    }
  });
});

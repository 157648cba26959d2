import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { emitCanonicalYaml, writeCanonicalYaml, YamlBytes } from './yaml-emitter.ts';
import { libraryCanonicalYaml, toCanonicalYaml } from './yaml.ts';

/** Strings at the edges of plain, quoted and block writing, and of YAML 1.1's implicit types. */
const TRICKY = [
  '',
  ' ',
  ' lead',
  'trail ',
  'a: b',
  'a:b',
  'a :b',
  'ends:',
  'a #b',
  'a#b',
  '#x',
  '- x',
  '-x',
  '-',
  '?',
  '? x',
  ':x',
  "it's",
  'say "hi"',
  `both ' and "`,
  '"',
  "'",
  '[x]',
  '{x}',
  'a,b',
  '*ref',
  '&anchor',
  '!tag',
  '|',
  '>',
  '%x',
  '@x',
  '`x',
  '---',
  '--- x',
  '...',
  'a\nb',
  'a\n',
  '\n',
  'a \nb',
  '\ta',
  'a\tb',
  'a\t',
  'a\r\nb',
  '\u0000',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u2028',
  '\ufeff',
  '\ud800',
  'é',
  '日本',
  '🙂',
  'y',
  'Y',
  'n',
  'yes',
  'No',
  'ON',
  'off',
  'true',
  'False',
  'null',
  'Null',
  '~',
  '0',
  '-0',
  '+1',
  '007',
  '0o7',
  '0x1F',
  '0b101',
  '1_000',
  '190:20:30',
  '1e3',
  '1.5',
  '.5',
  '.inf',
  '-.Inf',
  '.NaN',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '8080',
  '10.244.1.44',
  'v1.2.3',
  'x'.repeat(1030),
  `"${'x'.repeat(1030)}`,
  'http://a.b/c?d=e&f',
  'spec.policy.x[0]: must be',
  '<<',
  '=',
];

const trickyString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.constantFrom(...TRICKY, 'a', ' ', ':', '#', '-', '\n', "'", '"', '1', '.'), { maxLength: 5 })
      .map((parts) => parts.join('')),
  },
);

const scalar = fc.oneof(
  { weight: 5, arbitrary: trickyString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1e21, 1e-7, 2 ** 53, -1.5, Number.MAX_VALUE) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(trickyString, fc.oneof(tie('tree'), fc.constant(undefined)), { maxKeys: 5 }),
  ),
}));

const objectTree = fc.dictionary(trickyString, tree, { maxKeys: 6 });

describe('emitCanonicalYaml', () => {
  it('writes what the yaml library writes, or leaves the value to it', () => {
    let handled = 0;
    fc.assert(
      fc.property(fc.oneof(objectTree, fc.array(tree, { maxLength: 4 })), (value) => {
        const fast = emitCanonicalYaml(value);
        if (fast === undefined) return;
        handled += 1;
        assert.equal(fast, libraryCanonicalYaml(value));
      }),
      { seed: 17, numRuns: 3000 },
    );
    // The property means something only if the fast writer takes most values.
    assert.ok(handled > 1000, `the fast writer handled only ${String(handled)} of 3000 values`);
  });

  it('writes every tricky string, as a value and as a key, as the library does', () => {
    for (const text of TRICKY) {
      for (const value of [{ k: text }, { [text]: 'v' }, { k: [text, { [text]: [text] }] }]) {
        assert.equal(toCanonicalYaml(value), libraryCanonicalYaml(value), JSON.stringify(value));
      }
    }
  });

  it('takes the plain strings, numbers and nesting of Kubernetes objects itself', () => {
    const object = {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'reviews', namespace: 'bookinfo', labels: { 'app.kubernetes.io/name': 'x', on: 'yes' } },
      spec: {
        hosts: ['reviews.bookinfo.svc.cluster.local'],
        http: [{ route: [{ destination: { host: 'r', port: { number: 9080 } }, weight: 50 }], timeout: '5s' }],
        empty: {},
        none: [],
        nested: [[1, 2], [], [{}]],
        flag: true,
        nothing: null,
        port: '8080',
        message: 'spec.x: must be set',
      },
    };
    const fast = emitCanonicalYaml(object);
    assert.notEqual(fast, undefined);
    assert.equal(fast, libraryCanonicalYaml(object));
  });

  it('leaves multi-line strings, control characters and non-plain objects to the library', () => {
    for (const value of [{ a: 'x\ny' }, { a: '\u0007' }, { a: new Date(0) }, { a: new Map() }, { a: [undefined] }]) {
      assert.equal(emitCanonicalYaml(value), undefined);
      assert.equal(toCanonicalYaml(value), libraryCanonicalYaml(value));
    }
  });

  it('appends to a byte buffer that grows, and leaves it as it was for a value it does not take', () => {
    // A tiny buffer: nearly every value makes it grow, in the middle of a line or of a character.
    const out = new YamlBytes(4);
    let expected = '';
    fc.assert(
      fc.property(objectTree, (value) => {
        const before = out.length;
        if (writeCanonicalYaml(out, value)) expected += libraryCanonicalYaml(value);
        else assert.equal(out.length, before);
      }),
      { seed: 23, numRuns: 500 },
    );
    assert.ok(expected.length > 1000);
    assert.equal(out.take(0), expected);
    assert.equal(writeCanonicalYaml(out, { a: 'x', b: { c: 'é🙂 é', d: 'x\ny' } }), false);
    assert.equal(out.length, 0);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError, parseKubeYaml, toCanonicalYaml, toCanonicalYamlStream } from './yaml.ts';

describe('parseKubeYaml', () => {
  it('reads every document of a stream and skips empty ones', () => {
    const docs = parseKubeYaml(
      [
        'apiVersion: v1',
        'kind: Namespace',
        'metadata: {name: a}',
        '---',
        '---',
        'apiVersion: v1',
        'kind: Namespace',
        'metadata: {name: b}',
      ].join('\n'),
      'ns.yaml',
    );
    assert.deepEqual(
      docs.map((d) => [d.document, d.object.metadata.name]),
      [
        [0, 'a'],
        [2, 'b'],
      ],
    );
  });

  it('expands kind: List and typed lists into their items', () => {
    const text = `apiVersion: v1
kind: ServiceList
items:
- {apiVersion: v1, kind: Service, metadata: {name: s1, namespace: x}}
- {apiVersion: v1, kind: Service, metadata: {name: s2, namespace: x}}
`;
    const docs = parseKubeYaml(text, 'list.yaml');
    assert.deepEqual(
      docs.map((d) => d.object.metadata.name),
      ['s1', 's2'],
    );
  });

  it('names file, document and line for malformed YAML', () => {
    const text = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: [unclosed\n';
    assert.throws(
      () => parseKubeYaml(text, 'mgmt/bad.yaml'),
      (error: unknown) =>
        error instanceof InputError &&
        error.file === 'mgmt/bad.yaml' &&
        error.document === 1 &&
        /^mgmt\/bad\.yaml \(document 1\): invalid YAML at line \d+/.test(error.message),
    );
  });

  it('rejects duplicate keys, which would silently drop a field', () => {
    assert.throws(
      () => parseKubeYaml('apiVersion: v1\nkind: A\nkind: B\nmetadata: {name: x}\n', 'dup.yaml'),
      /dup\.yaml \(document 0\): invalid YAML/,
    );
  });

  it('names the missing field of a document without kind or name', () => {
    assert.throws(
      () => parseKubeYaml('apiVersion: v1\nmetadata: {name: a}\n', 'f.yaml'),
      (error: unknown) =>
        error instanceof InputError && error.message === 'f.yaml (document 0): missing required field kind',
    );
    assert.throws(
      () =>
        parseKubeYaml(
          'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nmetadata: {namespace: x}\n',
          'g.yaml',
        ),
      (error: unknown) =>
        error instanceof InputError && error.message === 'g.yaml (document 1): missing required field metadata.name',
    );
    assert.throws(
      () =>
        parseKubeYaml('kind: List\napiVersion: v1\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {}}\n', 'l.yaml'),
      (error: unknown) =>
        error instanceof InputError &&
        error.message === 'l.yaml (document 0): missing required field items[0].metadata.name',
    );
  });

  it('rejects a document that is not a mapping', () => {
    assert.throws(
      () => parseKubeYaml('- a\n- b\n', 'seq.yaml'),
      /seq\.yaml \(document 0\): a document must be a mapping/,
    );
  });
});

describe('canonical YAML', () => {
  it('sorts keys at every depth, so key order in input never changes output', () => {
    const a = toCanonicalYaml({ spec: { b: 1, a: [{ z: 1, y: 2 }] }, kind: 'K', apiVersion: 'v1' });
    const b = toCanonicalYaml({ apiVersion: 'v1', kind: 'K', spec: { a: [{ y: 2, z: 1 }], b: 1 } });
    assert.equal(a, b);
    assert.equal(a, 'apiVersion: v1\nkind: K\nspec:\n  a:\n    - "y": 2\n      z: 1\n  b: 1\n');
  });

  it('quotes strings that YAML 1.1 readers (kubectl, istioctl) would take for booleans', () => {
    const text = toCanonicalYaml({ a: 'yes', b: 'on', c: 'y', d: 'No', e: true, f: 'plain' });
    assert.equal(text, 'a: "yes"\nb: "on"\nc: "y"\nd: "No"\ne: true\nf: plain\n');
    assert.deepEqual(
      parseKubeYaml(`apiVersion: v1\nkind: K\nmetadata: {name: "n"}\n${text}`, 'x').map((d) => d.object.a),
      ['yes'],
    );
  });

  it('keeps long strings on one line and writes one document per object', () => {
    const long = 'x'.repeat(200);
    const stream = toCanonicalYamlStream([{ a: long }, { b: 2 }]);
    assert.equal(stream, `---\na: ${long}\n---\nb: 2\n`);
  });
});

// The parallel reader (a worker thread reads and checks, this thread parses) gives what the
// ordinary loader gives: the same snapshot, and for a bad tree the same error, from the same file.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { InputError } from './input-error.ts';
import { loadInputTree } from './load.ts';
import { readInputTree } from './parallel-load.ts';

const options = { installNamespace: 'gloo-mesh' };
const goldenCases = join(import.meta.dirname, '..', '..', 'testdata', 'networking');

function tree(files: Readonly<Record<string, string | Uint8Array>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshhub-parallel-load-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** The error both readers give for a tree (they must agree), or a failure when either accepts it. */
async function refusal(dir: string): Promise<InputError> {
  let ordinary: unknown;
  try {
    loadInputTree(dir, options);
  } catch (error) {
    ordinary = error;
  }
  assert.ok(ordinary instanceof InputError, `loadInputTree accepted the tree or failed otherwise: ${String(ordinary)}`);
  await assert.rejects(readInputTree(dir, options, 0), (error: unknown) => {
    assert.ok(error instanceof InputError);
    assert.equal(error.message, ordinary.message);
    assert.equal(error.file, ordinary.file);
    assert.equal(error.document, ordinary.document);
    return true;
  });
  return ordinary;
}

const service = (name: string) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns' }, spec: { ports: [] } });
const list = (...items: string[]) => `{"apiVersion":"v1","kind":"List","items":[\n${items.join(',\n')}\n]}\n`;

describe('readInputTree', () => {
  it('reads golden inputs as loadInputTree does, with the worker and without', async () => {
    const cases = readdirSync(goldenCases, { withFileTypes: true }).filter((entry) => entry.isDirectory());
    assert.ok(cases.length > 10);
    // Every case on this thread (small trees are read here); a few through the worker, which takes a while to start.
    for (const [i, { name }] of cases.entries()) {
      const input = join(goldenCases, name, 'input');
      const expected = loadInputTree(input, options);
      assert.ok(isDeepStrictEqual(await readInputTree(input, options), expected), name);
      if (i % 8 === 0) assert.ok(isDeepStrictEqual(await readInputTree(input, options, 0), expected), name);
    }
  });

  it('reads JSON lists, YAML streams and JSON with duplicate keys left to the YAML reader, in order', async () => {
    const dir = tree({
      'mgmt/a.json': list(service('m1')),
      'clusters/c1/a.yaml': list(service('a'), service('b')),
      'clusters/c1/b.yaml':
        'apiVersion: v1\nkind: Service\nmetadata: {name: c, namespace: ns}\n---\n---\n' + service('d'),
      'clusters/c1/sub/c.json': '  \n' + list(service('e')),
      'clusters/c2/tabs.json': `{\t"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "t"}}`,
      'clusters/c2/ignored.txt': 'not read',
    });
    const parallel = await readInputTree(dir, options, 0);
    assert.ok(isDeepStrictEqual(parallel, loadInputTree(dir, options)));
    assert.deepEqual(
      parallel.clusters.get('c1')?.map(({ object, source }) => [object.metadata.name, source.file, source.document]),
      [
        ['a', 'clusters/c1/a.yaml', 0],
        ['b', 'clusters/c1/a.yaml', 0],
        ['c', 'clusters/c1/b.yaml', 0],
        ['d', 'clusters/c1/b.yaml', 2],
        ['e', 'clusters/c1/sub/c.json', 0],
      ],
    );
  });

  it('refuses a duplicate key in a JSON file with the YAML reader’s words: file, document and line', async () => {
    const error = await refusal(
      tree({
        'clusters/c1/a.json': list(service('a')),
        'clusters/c1/dup.json': '{"apiVersion":"v1","kind":"Service",\n"metadata":{"name":"x","name":"y"}}',
      }),
    );
    assert.match(
      error.message,
      /^clusters\/c1\/dup\.json \(document 0\): invalid YAML at line 2, column \d+: .*unique/i,
    );
  });

  it('reports the first bad file in reading order, whichever the worker reached first', async () => {
    const error = await refusal(
      tree({
        'mgmt/ok.yaml': list(service('m')),
        'clusters/c1/a-ok.json': list(service('a')),
        'clusters/c1/b-bad.yaml': 'apiVersion: v1\nkind: Service\nmetadata: {name: [}\n',
        'clusters/c2/binary.yaml': new Uint8Array([0x61, 0x00, 0x62]),
      }),
    );
    assert.equal(error.file, 'clusters/c1/b-bad.yaml');
    assert.match(error.message, /invalid YAML at line 3/);
  });

  it('refuses a binary file, an object defined twice and an unknown management kind as loadInputTree does', async () => {
    const binary = await refusal(tree({ 'clusters/c1/x.yaml': new Uint8Array([0x7b, 0x00, 0x7d]) }));
    assert.match(binary.message, /not a text file: a NUL byte/);
    const twice = await refusal(
      tree({ 'clusters/c1/a.json': list(service('a')), 'clusters/c1/b.json': list(service('a')) }),
    );
    assert.match(twice.message, /defined twice \(identically\): here and in clusters\/c1\/a\.json/);
    const unknown = await refusal(
      tree({
        'mgmt/x.json': JSON.stringify({
          apiVersion: 'networking.mesh.gloo.solo.io/v1',
          kind: 'NoSuchPolicy',
          metadata: { name: 'x' },
        }),
        // Read after mgmt/: its error would come second.
        'clusters/c1/bad.yaml': 'a: [',
      }),
    );
    assert.match(unknown.message, /^mgmt\/x\.json \(document 0\): unknown kind NoSuchPolicy/);
  });

  it('refuses a missing input folder at once, before any worker starts', () => {
    assert.throws(
      () => readInputTree(join(tmpdir(), 'meshhub-no-such-input'), options),
      (error: unknown) => error instanceof InputError && /does not exist/.test(error.message),
    );
  });
});

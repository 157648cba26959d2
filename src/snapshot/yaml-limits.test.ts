// Hostile YAML: each input is refused quickly with an InputError naming the file (and document),
// never a crash, a hang or gigabytes of memory.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadInputTree } from './load.ts';
import { InputError, parseKubeYaml, YAML_LIMITS } from './yaml.ts';

const head = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: y}\n';
/** Generous for a loaded 2-core machine; the unbounded inputs took tens of seconds or never finished. */
const BOUND_MS = 10_000;

function refusal(text: string, file: string): { error: InputError; ms: number } {
  const started = performance.now();
  try {
    parseKubeYaml(text, file);
  } catch (error) {
    const ms = performance.now() - started;
    assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
    assert.equal(error.file, file);
    assert.ok(error.message.startsWith(file), error.message);
    assert.ok(ms < BOUND_MS, `took ${ms.toFixed(0)} ms`);
    return { error, ms };
  }
  assert.fail('the document was accepted');
}

describe('YAML limits', () => {
  it('refuses a 50 MB document before parsing it, naming the file and the line', () => {
    const text = `${head}data:\n  big: "${'x'.repeat(50 * 2 ** 20)}"\n`;
    const { error, ms } = refusal(text, 'clusters/c1/big.yaml');
    assert.match(
      error.message,
      /^clusters\/c1\/big\.yaml: the document starting at line 1 is 50\.0 MiB; a document may hold at most 8\.0 MiB/,
    );
    console.log(`50 MB document refused in ${ms.toFixed(0)} ms`);
  });

  it('measures each document of a stream on its own: large files of small documents are read', () => {
    // Two documents of 4.5 MiB each (mostly a comment, cheap to parse): 9 MiB in all, over the bound.
    const filler = `# ${'x'.repeat(4.5 * 2 ** 20)}\n`;
    const text = `${filler}${head}---\n${filler}${head.replace('name: x', 'name: z')}`;
    assert.ok(text.length > YAML_LIMITS.maxDocumentBytes);
    assert.deepEqual(
      parseKubeYaml(text, 'two.yaml').map((d) => [d.document, d.object.metadata.name]),
      [
        [0, 'x'],
        [1, 'z'],
      ],
    );
    // The second of three documents is the large one: named by its first line.
    const big = `${head}---\n${head}data:\n  big: "${'x'.repeat(9 * 2 ** 20)}"\n---\n${head}`;
    assert.match(refusal(big, 'three.yaml').error.message, /the document starting at line 4 is 9\.0 MiB/);
  });

  it('refuses a document nested 10,000 levels deep (flow style) without exhausting the stack', () => {
    const depth = 10_000;
    const text = `${head}data:\n  deep: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
    const { error } = refusal(text, 'deep.yaml');
    assert.equal(error.document, 0);
    assert.match(error.message, /^deep\.yaml \(document 0\): invalid YAML at line 5, column \d+: nested too deeply/);
  });

  it('refuses a document nested 10,000 levels deep (block style: its indentation alone is 48 MiB)', () => {
    let text = `${head}data:\n`;
    for (let level = 1; level <= 10_000; level++) text += `${' '.repeat(level)}a:\n`;
    assert.match(refusal(text, 'deep-block.yaml').error.message, /is 47\.7 MiB; a document may hold at most/);
  });

  it('refuses nesting past the depth bound, naming the field, and reads an object just inside it', () => {
    const nested = (levels: number) => `${head}data: ${'['.repeat(levels)}${']'.repeat(levels)}\n`;
    // The document's own mapping is level 0, the outermost list of data level 1.
    assert.equal(parseKubeYaml(nested(YAML_LIMITS.maxDepth), 'ok.yaml').length, 1);
    const { error } = refusal(nested(YAML_LIMITS.maxDepth + 1), 'too-deep.yaml');
    assert.equal(
      error.message,
      `too-deep.yaml (document 0): field data[0][0][0][0][0]…: nested more than ${String(YAML_LIMITS.maxDepth)} levels deep (refused)`,
    );
    const block = `${head}spec:\n${Array.from({ length: 120 }, (_, i) => `${'  '.repeat(i + 1)}k${String(i)}:\n`).join('')}`;
    assert.match(refusal(block, 'b.yaml').error.message, /field spec\.k0\.k1\.k2\.k3\.k4…: nested more than/);
  });

  it('refuses a billion-laughs alias bomb, naming file and document (it used to escape as a ReferenceError)', () => {
    let bomb = 'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
    let previous = 'a';
    for (const anchor of 'bcdefghi') {
      bomb += `${anchor}: &${anchor} [${Array.from({ length: 9 }, () => `*${previous}`).join(', ')}]\n`;
      previous = anchor;
    }
    const text = `${head}---\n${head}data:\n  ${bomb.replaceAll('\n', '\n  ')}\n`;
    const { error } = refusal(text, 'mgmt/bomb.yaml');
    assert.equal(
      error.message,
      'mgmt/bomb.yaml (document 1): refused: its aliases expand more than 100 times (an alias bomb?)',
    );
  });

  it('still reads a document with a few aliases', () => {
    const text = `${head}data:\n  a: &v hello\n  b: *v\n`;
    const [parsed] = parseKubeYaml(text, 'alias.yaml');
    assert.deepEqual((parsed?.object as { data?: unknown } | undefined)?.data, { a: 'hello', b: 'hello' });
  });

  it('refuses a file over the file bound without reading it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshhub-yaml-limits-'));
    mkdirSync(join(dir, 'mgmt'));
    const file = join(dir, 'mgmt', 'huge.yaml');
    writeFileSync(file, '');
    truncateSync(file, YAML_LIMITS.maxFileBytes + 1); // sparse: no disk used
    assert.throws(
      () => loadInputTree(dir, { installNamespace: 'gloo-mesh' }),
      (error: unknown) =>
        error instanceof InputError &&
        error.file === 'mgmt/huge.yaml' &&
        /files over 256 MiB are not read/.test(error.message),
    );
  });
});

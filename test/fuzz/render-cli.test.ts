// Fuzzing `meshctl render` from the files up: the YAML reader fed mutated text of the seed inputs,
// `meshctl render` in-process on mutated input trees, and a few runs of the real CLI as a child
// process. Properties: the reader throws nothing but an InputError naming the file; meshctl exits 0
// (rendered) or 1 with one `error: <file> …` line, never an internal error; each case within a bound.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { runMeshctl } from '../../src/cli/main.ts';
import { InputError, parseKubeYaml } from '../../src/snapshot/yaml.ts';
import { CASE_BOUND_MS, check, checkAsync, parameters, report, root, Timings, trace } from './support.ts';

/** Every YAML file of the seed input trees: path relative to its tree, and text. */
interface SeedTree {
  readonly dir: string;
  readonly files: readonly { readonly name: string; readonly text: string }[];
}

function seedTrees(): SeedTree[] {
  const dirs = [join(root, 'examples', 'bookinfo')];
  for (const group of ['testdata/discovery', 'testdata/networking']) {
    for (const name of readdirSync(join(root, group)).sort()) dirs.push(join(root, group, name, 'input'));
  }
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith('.yaml') ? [join(dir, entry.name)] : [],
    );
  return dirs.flatMap((dir) => {
    try {
      return [
        { dir, files: walk(dir).map((file) => ({ name: relative(dir, file), text: readFileSync(file, 'utf8') })) },
      ];
    } catch {
      return [];
    }
  });
}

const trees = seedTrees();
const allFiles = trees.flatMap((tree) => tree.files);

/** Fragments that YAML gives meaning to, and some that only look like it. */
const YAML_BITS = [
  '\t',
  ': ',
  '- ',
  '---\n',
  '...\n',
  '&a ',
  '*a',
  '*b',
  '<<: *a\n',
  '!!str ',
  '!!binary ',
  '!custom ',
  '%YAML 1.1\n',
  '? ',
  '{',
  '}',
  '[',
  ']',
  ',',
  '"',
  "'",
  '|',
  '>-',
  '#',
  '\n',
  '\r\n',
  '\u0000',
  '\uFEFF',
  '\u2028',
  '🙂',
  'İ',
  '0x1F',
  '1e400',
  '.nan',
  '~',
  'null',
  'yes',
  '=',
  '\\',
  '@',
  '`',
];

type TextEdit =
  | { readonly op: 'insert'; readonly at: number; readonly text: string }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'duplicate'; readonly at: number; readonly length: number }
  | { readonly op: 'truncate'; readonly at: number };

const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('insert' as const),
      at: fc.nat(),
      text: fc.oneof(fc.constantFrom(...YAML_BITS), fc.string({ unit: 'grapheme', maxLength: 8 })),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('duplicate' as const),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: 400 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
);

function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let result = text;
  for (const edit of edits) {
    const at = edit.at % (result.length + 1);
    switch (edit.op) {
      case 'insert':
        result = result.slice(0, at) + edit.text + result.slice(at);
        break;
      case 'delete':
        result = result.slice(0, at) + result.slice(at + edit.length);
        break;
      case 'duplicate':
        result =
          result.slice(0, at + edit.length) + result.slice(at, at + edit.length) + result.slice(at + edit.length);
        break;
      case 'truncate':
        result = result.slice(0, at);
        break;
    }
  }
  return result;
}

function timed<T>(timings: Timings, run: () => T): T {
  const started = performance.now();
  try {
    return run();
  } finally {
    const ms = performance.now() - started;
    timings.add(ms);
    assert.ok(ms < CASE_BOUND_MS, `took ${ms.toFixed(0)} ms (bound ${String(CASE_BOUND_MS)} ms)`);
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'meshhub-fuzz-'));
after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** A seed tree with some files edited, written to a fresh folder. */
function writeTree(tree: SeedTree, edits: ReadonlyMap<number, readonly TextEdit[]>, name: string): string {
  const dir = join(scratch, name);
  tree.files.forEach((file, index) => {
    const path = join(dir, file.name);
    mkdirSync(dirname(path), { recursive: true });
    const fileEdits = edits.get(index);
    writeFileSync(path, fileEdits === undefined ? file.text : applyEdits(file.text, fileEdits));
  });
  return dir;
}

/**
 * What meshctl render may answer: rendered (0) with its summary, short at any size, or one error line
 * naming a file of the input (1).
 */
function assertAnswer(code: number, stderr: string, dir: string): void {
  assert.doesNotMatch(stderr, /internal error/, stderr.slice(0, 500));
  if (code === 0) {
    const summary = stderr.split('\n').filter((line) => !line.startsWith('warning: ') && line !== '');
    assert.match(
      summary.find((line) => !line.startsWith('wrote ')) ?? '',
      /^read \d+ objects? \(/,
      stderr.slice(0, 500),
    );
    assert.ok(summary.length <= 17, `a short summary: ${stderr.slice(0, 500)}`);
    return;
  }
  assert.equal(code, 1, stderr.slice(0, 500));
  const errors = stderr.split('\n').filter((line) => line.startsWith('error: '));
  assert.equal(errors.length, 1, stderr.slice(0, 500));
  const [line] = errors;
  assert.ok(line !== undefined);
  assert.match(
    line,
    /^error: (mgmt|clusters)\/[^ ]+\.(yaml|json)( \(document \d+\))?: /,
    `names no file: ${line.slice(0, 300)}`,
  );
  assert.ok(!line.includes(dir), 'the file is named relative to the input folder');
}

describe('fuzz: meshctl render on mutated files', () => {
  it('the YAML reader throws only InputErrors naming the file, within the bound', () => {
    const runs = 2000;
    const timings = new Timings();
    let refused = 0;
    check(
      fc.property(
        fc.nat({ max: allFiles.length - 1 }),
        fc.array(textEdit, { minLength: 1, maxLength: 4 }),
        (f, edits) => {
          trace(f, edits);
          const file = allFiles[f];
          assert.ok(file);
          const text = applyEdits(file.text, edits);
          try {
            timed(timings, () => parseKubeYaml(text, 'clusters/c/fuzz.yaml'));
          } catch (error) {
            if (!(error instanceof InputError)) throw error;
            refused += 1;
            assert.equal(error.file, 'clusters/c/fuzz.yaml');
            assert.ok(error.message.startsWith('clusters/c/fuzz.yaml'), error.message);
            assert.ok(!error.message.includes('\n'), `one line: ${error.message.slice(0, 300)}`);
          }
        },
      ),
      runs,
    );
    report('YAML reader on edited seed files', runs, timings, `${String(refused)} refused with an InputError`);
  });

  it('meshctl render (in-process) renders or names the file, never an internal error', async () => {
    const runs = 150;
    const timings = new Timings();
    let failed = 0;
    let count = 0;
    await checkAsync(
      fc.asyncProperty(
        fc.nat({ max: trees.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.array(textEdit, { minLength: 1, maxLength: 3 })), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.boolean(),
        async (t, fileEdits, toFolder) => {
          trace(t, fileEdits, toFolder);
          const tree = trees[t];
          assert.ok(tree);
          const edits = new Map(fileEdits.map(([index, list]) => [index % Math.max(tree.files.length, 1), list]));
          const dir = writeTree(tree, edits, `case-${String(count++)}`);
          let stderr = '';
          const args = ['render', '--input', dir, ...(toFolder ? ['--output', join(dir, 'out')] : [])];
          const started = performance.now();
          const code = await runMeshctl(args, { stdout: () => undefined, stderr: (text) => (stderr += text) });
          const ms = performance.now() - started;
          timings.add(ms);
          assert.ok(ms < CASE_BOUND_MS, `took ${ms.toFixed(0)} ms`);
          assertAnswer(code, stderr, dir);
          if (code !== 0) failed += 1;
          rmSync(dir, { recursive: true, force: true });
        },
      ),
      runs,
    );
    report('meshctl render in-process on edited trees', runs, timings, `${String(failed)} exited 1 naming the file`);
  });

  it('the meshctl binary (child process) renders or names the file, within the bound', () => {
    const bin = join(root, 'bin', 'meshctl.js');
    const timings = new Timings();
    const cases = fc.sample(
      fc.tuple(
        fc.nat({ max: trees.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.array(textEdit, { minLength: 1, maxLength: 3 })), {
          minLength: 1,
          maxLength: 2,
        }),
      ),
      { seed: parameters(1).seed ?? 0, numRuns: 2 },
    );
    // A hostile input read from disk: a Service with 10,000 ports and a policy with a backtracking regex.
    const ports = Array.from(
      { length: 10_000 },
      (_, i) => `  - {name: http-${String(i)}, port: ${String(1024 + i)}}`,
    ).join('\n');
    const hostile = join(scratch, 'hostile');
    mkdirSync(join(hostile, 'clusters', 'c1'), { recursive: true });
    mkdirSync(join(hostile, 'mgmt'), { recursive: true });
    writeFileSync(
      join(hostile, 'clusters', 'c1', 'svc.yaml'),
      `apiVersion: v1\nkind: Service\nmetadata: {name: wide, namespace: ns}\nspec:\n  selector: {app: wide}\n  ports:\n${ports}\n`,
    );
    writeFileSync(
      join(hostile, 'mgmt', 'tp.yaml'),
      `apiVersion: networking.mesh.gloo.solo.io/v1\nkind: TrafficPolicy\nmetadata: {name: evil, namespace: gloo-mesh}\nspec:\n  httpRequestMatchers:\n  - headers: [{name: x, value: "(a+)+$", regex: true}]\n    uri: {regex: "(a|aa)+$"}\n  policy: {requestTimeout: 5s}\n`,
    );
    const dirs = [
      hostile,
      ...cases.map(([t, fileEdits], i) => {
        const tree = trees[t];
        assert.ok(tree);
        return writeTree(
          tree,
          new Map(fileEdits.map(([index, list]) => [index % Math.max(tree.files.length, 1), list])),
          `child-${String(i)}`,
        );
      }),
    ];
    for (const dir of dirs) {
      const started = performance.now();
      const run = spawnSync(process.execPath, [bin, 'render', '--input', dir], {
        encoding: 'utf8',
        timeout: 60_000,
        maxBuffer: 256 * 2 ** 20,
      });
      timings.add(performance.now() - started);
      assert.equal(run.signal, null, `meshctl render --input ${dir} did not finish within 60 s`);
      assertAnswer(run.status ?? -1, run.stderr, dir);
    }
    report('meshctl binary on edited trees and a hostile one', dirs.length, timings);
  });
});

// `meshctl render --output` onto folders that cannot be written: the real CLI as a child process,
// because the fault these guard against (Node's recursive mkdir spinning forever under /proc) only
// shows as a process that never exits.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runMeshctl } from './main.ts';

const bin = new URL('../../bin/meshctl.js', import.meta.url).pathname;
/** Far above a normal run (well under a second here); a spinning process is killed and fails the test. */
const TIMEOUT_MS = 20_000;

function inputTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-output-'));
  mkdirSync(join(dir, 'mgmt'));
  writeFileSync(
    join(dir, 'mgmt', 'p.yaml'),
    'apiVersion: networking.mesh.gloo.solo.io/v1\nkind: TrafficPolicy\nmetadata: {name: p, namespace: gloo-mesh}\nspec: {}\n',
  );
  mkdirSync(join(dir, 'clusters', 'cluster-1'), { recursive: true });
  writeFileSync(
    join(dir, 'clusters', 'cluster-1', 'ns.yaml'),
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n',
  );
  return dir;
}

function render(input: string, output: string) {
  const started = performance.now();
  const run = spawnSync(process.execPath, [bin, 'render', '--input', input, '--output', output], {
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
  });
  return { ...run, ms: performance.now() - started };
}

interface Run {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function assertFails(run: Run, output: string, reason: RegExp): void {
  assert.equal(run.signal, null, `meshctl did not exit within ${TIMEOUT_MS} ms`);
  assert.equal(run.status, 1, run.stderr);
  assert.equal(run.stdout, '');
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  assert.ok(lines[0]?.startsWith(`error: cannot write the output to ${output}: `), run.stderr);
  assert.match(run.stderr, reason);
}

describe('meshctl render --output onto a path that cannot be written', () => {
  const input = inputTree();

  it('fails at once, naming the path and the reason, for a new folder under /proc', () => {
    const run = render(input, '/proc/nope');
    assertFails(run, '/proc/nope', /cannot be created there \(ENOENT, mkdir \/proc\/nope\)/);
    console.log(`meshctl render --output /proc/nope: exit ${String(run.status)} in ${run.ms.toFixed(0)} ms`);
    assertFails(render(input, '/proc/nope/a/b'), '/proc/nope/a/b', /ENOENT, mkdir \/proc\/nope\)/);
  });

  it('fails for an existing folder where nothing can be created (root ignores modes: /proc, /sys)', () => {
    assertFails(render(input, '/proc'), '/proc', /ENOENT, mkdir \/proc\/(mgmt|clusters)\)/);
    assertFails(render(input, '/sys/kernel'), '/sys/kernel', /(EPERM|EACCES|EROFS), mkdir \/sys\/kernel\//);
  });

  it('fails for a file, and for a path under a file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'meshctl-output-file-')), 'a-file');
    writeFileSync(file, 'x');
    assertFails(render(input, file), file, /it is a file, not a folder/);
    assertFails(render(input, join(file, 'sub')), join(file, 'sub'), /not a folder \(ENOTDIR/);
  });

  // In-process: these never reached the spinning mkdir, and a child process each would cost seconds.
  const renderInProcess = async (input: string, output: string) => {
    let stdout = '';
    let stderr = '';
    const status = await runMeshctl(['render', '--input', input, '--output', output], {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
    });
    return { status, stdout, stderr, signal: null, ms: 0 };
  };

  it('refuses the input folder, a folder holding it, and folders inside its mgmt/ or clusters/', async () => {
    assertFails(await renderInProcess(input, input), input, /holds the input/);
    assertFails(await renderInProcess(input, join(input, '..')), join(input, '..'), /holds the input/);
    for (const inside of [join(input, 'mgmt'), join(input, 'mgmt', 'out'), join(input, 'clusters', 'x')]) {
      assertFails(await renderInProcess(input, inside), inside, /inside the input's (mgmt|clusters)\/ folder/);
    }
    // Through a symlink to the input, too.
    const link = join(mkdtempSync(join(tmpdir(), 'meshctl-output-link-')), 'link');
    symlinkSync(input, link);
    assertFails(
      await renderInProcess(input, join(link, 'mgmt')),
      join(link, 'mgmt'),
      /inside the input's mgmt\/ folder/,
    );
    assert.deepEqual(readdirSync(join(input, 'mgmt')), ['p.yaml'], 'the input is untouched');
  });

  it('still writes into a new folder beside the input files, creating its parents', async () => {
    const out = join(input, 'out', 'nested');
    const run = await renderInProcess(input, out);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(readdirSync(join(out, 'mgmt')).includes('trafficpolicy.networking.mesh.gloo.solo.io.yaml'));
  });
});

// `meshctl render --output` named by any path that leads into the input (issue 16, item 5): refused
// like the input folder itself, and the input left as it was. The CLI as a child process.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { meshctl, trafficPolicy, tree } from './render-support.ts';

function input(): string {
  return tree({
    'mgmt/p.yaml': trafficPolicy('p', '{requestTimeout: 5s}'),
    'clusters/cluster-1/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n',
  });
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'meshctl-output-path-'));
}

function assertRefused(dir: string, output: string, reason: RegExp): void {
  const run = meshctl('render', '--input', dir, '--output', output);
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr.split('\n').length, 2, run.stderr);
  assert.ok(run.stderr.startsWith(`error: cannot write the output to ${output}: refusing`), run.stderr);
  assert.match(run.stderr, reason);
}

function assertUntouched(dir: string): void {
  assert.deepEqual(readdirSync(join(dir, 'mgmt')), ['p.yaml']);
  assert.deepEqual(readdirSync(join(dir, 'clusters', 'cluster-1')), ['ns.yaml']);
}

describe('meshctl render --output that leads into the input', () => {
  it('a symlink to the input folder', () => {
    const dir = input();
    const link = join(scratch(), 'out');
    symlinkSync(dir, link);
    assertRefused(dir, link, /it holds the input/);
    assertUntouched(dir);
  });

  it('a symlink to the input read through a symlink too, and `..` spellings', () => {
    const dir = input();
    const viaLink = join(scratch(), 'in');
    symlinkSync(dir, viaLink);
    assertRefused(viaLink, dir, /it holds the input/);
    assertRefused(dir, join(dir, 'clusters', '..', 'mgmt', 'x'), /inside the input's mgmt\/ folder/);
    assertUntouched(dir);
  });

  it('a symlink to the input mgmt/ folder', () => {
    const dir = input();
    const link = join(scratch(), 'out');
    symlinkSync(join(dir, 'mgmt'), link);
    assertRefused(dir, link, /inside the input's mgmt\/ folder/);
    assertUntouched(dir);
  });

  it('a symlink not yet pointing anywhere, whose target would be inside the input', () => {
    const dir = input();
    const link = join(scratch(), 'out');
    symlinkSync(join(dir, 'clusters', 'new'), link);
    assertRefused(dir, link, /inside the input's clusters\/ folder/);
    assert.ok(!existsSync(join(dir, 'clusters', 'new')), 'nothing created in the input');
  });

  it('a folder that the input mgmt/ or a cluster folder is a symlink to', () => {
    const dir = input();
    const elsewhere = scratch();
    renameSync(join(dir, 'mgmt'), join(elsewhere, 'policies'));
    symlinkSync(join(elsewhere, 'policies'), join(dir, 'mgmt'));
    assertRefused(dir, join(elsewhere, 'policies'), /inside the input's mgmt\/ folder/);
    renameSync(join(dir, 'clusters', 'cluster-1'), join(elsewhere, 'c1'));
    symlinkSync(join(elsewhere, 'c1'), join(dir, 'clusters', 'cluster-1'));
    assertRefused(dir, join(elsewhere, 'c1', 'out'), /inside the input's clusters\/cluster-1\/ folder/);
    assertUntouched(dir);
  });

  it('a folder whose mgmt/ (replaced on every render) is where the input mgmt/ lives', () => {
    const dir = input();
    const out = scratch();
    renameSync(join(dir, 'mgmt'), join(out, 'mgmt'));
    symlinkSync(join(out, 'mgmt'), join(dir, 'mgmt'));
    assertRefused(dir, out, /its mgmt\/ folder, replaced on every render, is the input's mgmt\/ folder/);
    assertUntouched(dir);
  });

  it('still writes beside the input, and fails at once where nothing can be created', () => {
    const dir = input();
    const out = join(scratch(), 'a', 'b');
    const run = meshctl('render', '--input', dir, '--output', out);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(readdirSync(join(out, 'mgmt')).length > 0);
    mkdirSync(join(dir, 'out'));
    assert.equal(meshctl('render', '--input', dir, '--output', join(dir, 'out')).code, 0);
    const proc = meshctl('render', '--input', dir, '--output', '/proc/nope');
    assert.equal(proc.code, 1);
    assert.match(proc.stderr, /^error: cannot write the output to \/proc\/nope: the folder cannot be created there/);
  });
});

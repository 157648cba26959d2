import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { buildProgram, runMeshctl, topLevelVersion, USAGE_EXIT_CODE } from './main.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function meshctl(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runMeshctl(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-test-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const validPolicy = `apiVersion: networking.mesh.gloo.solo.io/v1
kind: TrafficPolicy
metadata:
  name: reviews-timeout
  namespace: gloo-mesh
  generation: 3
spec:
  policy:
    requestTimeout: 5s
`;

describe('meshctl global behaviour', () => {
  it('prints help listing the commands and global flags', async () => {
    const run = await meshctl('--help');
    assert.equal(run.code, 0);
    for (const word of ['render', 'version', '--kubeconfig', '--context', '-o, --output-format', '--verbose']) {
      assert.match(run.stdout, new RegExp(word));
    }
  });

  it('exits 2 with one line for an unknown command', async () => {
    const run = await meshctl('frobnicate');
    assert.equal(run.code, USAGE_EXIT_CODE);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    assert.match(run.stderr, /unknown command 'frobnicate'/);
  });

  it('exits 2 for an unknown flag and for a bad -o value', async () => {
    const flag = await meshctl('version', '--frob');
    assert.equal(flag.code, USAGE_EXIT_CODE);
    assert.match(flag.stderr, /unknown option '--frob'/);
    const format = await meshctl('-o', 'xml', 'version');
    assert.equal(format.code, USAGE_EXIT_CODE);
    assert.match(format.stderr, /xml/);
  });

  it("leaves a command's own --version to the command", async () => {
    let stdout = '';
    const program = buildProgram({ stdout: (t) => (stdout += t), stderr: () => undefined });
    let seen: string | undefined;
    program
      .command('fixture')
      .option('--version <tag>', 'a version of something')
      .action((flags: { version?: string }) => {
        seen = flags.version;
      });
    assert.equal(topLevelVersion(program, ['fixture', '--version', '1.2.3']), false);
    assert.equal(topLevelVersion(program, ['--context', 'fixture', '--version']), true);
    assert.equal(topLevelVersion(program, ['-o', 'yaml', '--version']), true);
    await program.parseAsync(['fixture', '--version', '1.2.3'], { from: 'user' });
    assert.equal(seen, '1.2.3');
    assert.equal(stdout, '');
  });

  it('prints the client version in each output format', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const table = await meshctl('version', '--client');
    assert.equal(table.stdout, `client: ${pkg.version}\n`);
    const json = await meshctl('-o', 'json', 'version', '--client');
    assert.deepEqual(JSON.parse(json.stdout), { client: { version: pkg.version } });
    const yaml = await meshctl('version', '--client', '-o', 'yaml');
    assert.equal(yaml.stdout, `client:\n  version: ${pkg.version}\n`);
  });
});

describe('meshctl render: input errors', () => {
  it('exits 2 without --input', async () => {
    const run = await meshctl('render');
    assert.equal(run.code, USAGE_EXIT_CODE);
    assert.match(run.stderr, /--input/);
  });

  it('exits 1 naming file, document and line for malformed YAML', async () => {
    const dir = tree({ 'mgmt/policies.yaml': `${validPolicy}---\nkind: [oops\n` });
    const run = await meshctl('render', '--input', dir);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error: mgmt\/policies\.yaml \(document 1\): invalid YAML at line \d+, column \d+/);
    assert.equal(run.stdout, '');
  });

  it('exits 1 naming the file and document of an object with no name', async () => {
    const dir = tree({ 'clusters/cluster-1/svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  namespace: x\n' });
    const run = await meshctl('render', '--input', dir);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'error: clusters/cluster-1/svc.yaml (document 0): missing required field metadata.name\n');
  });

  it('exits 1 for an unknown kind in a Mesh Hub group', async () => {
    const dir = tree({
      'mgmt/x.yaml': 'apiVersion: networking.mesh.gloo.solo.io/v1\nkind: TraficPolicy\nmetadata: {name: x}\nspec: {}\n',
    });
    const run = await meshctl('render', '--input', dir);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /mgmt\/x\.yaml \(document 0\): unknown kind TraficPolicy in networking\.mesh\.gloo\.solo\.io\/v1 \(known: .*TrafficPolicy/,
    );
  });

  it('exits 1 for a missing input folder or one without the layout', async () => {
    const missing = await meshctl('render', '--input', join(tmpdir(), 'does-not-exist-meshhub'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /does not exist/);
    const empty = await meshctl('render', '--input', tree({ 'README.txt': 'x' }));
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /neither mgmt\/ nor clusters\//);
  });
});

describe('meshctl render: schema validation', () => {
  const invalid = `apiVersion: networking.mesh.gloo.solo.io/v1
kind: TrafficPolicy
metadata:
  name: bad-retries
  generation: 2
spec:
  policy:
    retries:
      attempts: three
`;

  it('reports a policy that fails its schema on the policy, with the field path, and exits 0', async () => {
    const dir = tree({ 'mgmt/policies.yaml': `${validPolicy}---\n${invalid}` });
    const out = join(dir, 'out');
    const run = await meshctl('render', '--input', dir, '--output', out);
    assert.equal(run.code, 0, run.stderr);
    const files = readdirSync(join(out, 'mgmt'));
    assert.deepEqual(files, ['trafficpolicy.networking.mesh.gloo.solo.io.yaml']);
    const docs = parseAllDocuments(readFileSync(join(out, 'mgmt', files[0] ?? ''), 'utf8')).map(
      (d) => d.toJS() as Record<string, unknown>,
    );
    const byName = new Map(docs.map((d) => [(d.metadata as { name: string }).name, d]));
    const bad = byName.get('bad-retries');
    assert.ok(bad);
    const status = bad.status as { observedGeneration: number; state: string; errors: string[] };
    assert.equal(status.observedGeneration, 2);
    assert.equal(status.state, 'INVALID');
    assert.deepEqual(status.errors, ['spec.policy.retries.attempts: Invalid input: expected number, received string']);
    // The install namespace is filled in for management objects that name none.
    assert.equal((bad.metadata as { namespace: string }).namespace, 'gloo-mesh');
    // A valid policy gets the status translation computes (here: an estate with no Destination), not schema errors.
    assert.deepEqual(
      (byName.get('reviews-timeout')?.status as { errors?: string[] } | undefined)?.errors,
      ['spec.destinationSelector: selects no Destination'],
      'a valid policy gets its computed status',
    );
  });

  it('writes one stream to stdout, each object annotated with its cluster', async () => {
    const dir = tree({
      'mgmt/p.yaml': invalid,
      'clusters/cluster-1/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n',
    });
    const run = await meshctl('render', '--input', dir);
    assert.equal(run.code, 0, run.stderr);
    const docs = parseAllDocuments(run.stdout).map(
      (d) => d.toJS() as { kind: string; metadata: { annotations: Record<string, string> } },
    );
    assert.ok(docs.length >= 1);
    for (const doc of docs) assert.ok(doc.metadata.annotations['meshhub.dev/cluster'] !== undefined);
    assert.equal(docs.find((d) => d.kind === 'TrafficPolicy')?.metadata.annotations['meshhub.dev/cluster'], 'mgmt');
  });

  it('never echoes Secrets or other foreign management objects', async () => {
    const dir = tree({
      'mgmt/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {name: root-ca}\ndata: {key.pem: c2VjcmV0}\n',
    });
    const run = await meshctl('render', '--input', dir);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /c2VjcmV0|root-ca/);
  });

  it('refuses to write the output over its own input', async () => {
    const dir = tree({ 'mgmt/p.yaml': validPolicy });
    const run = await meshctl('render', '--input', join(dir, 'mgmt', '..'), '--output', dir);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /refusing to write output/);
  });
});

describe('meshctl render: discovery warnings', () => {
  it('names an input object it cannot understand on stderr, skips it, and exits 0', async () => {
    const dir = tree({
      'clusters/cluster-1/apps.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: no-selector, namespace: web}\nspec: {template: {spec: {containers: [{name: c}]}}}\n',
    });
    const run = await meshctl('render', '--input', dir);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stderr.split('\n')[0],
      'warning: cluster-1: Deployment web/no-selector (clusters/cluster-1/apps.yaml, document 0): skipped: spec.selector: Invalid input: expected object, received undefined',
    );
  });
});

describe('the installed bin', () => {
  it('runs through bin/meshctl.js on this Node and exits 2 on an unknown command', () => {
    const bin = new URL('../../bin/meshctl.js', import.meta.url).pathname;
    const ok = spawnSync(process.execPath, [bin, 'version', '-o', 'json'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.ok((JSON.parse(ok.stdout) as { client: { version: string } }).client.version.length > 0);
    const bad = spawnSync(process.execPath, [bin, 'nope'], { encoding: 'utf8' });
    assert.equal(bad.status, USAGE_EXIT_CODE);
  });
});

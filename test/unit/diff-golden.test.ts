// Golden cases of `meshctl diff` (offline, --input) and `meshctl render --diff-against`: each case in
// testdata/diff runs through both commands, which must print the same diff and exit the same way.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { runMeshctl } from '../../src/cli/main.ts';
import { objectKey } from '../../src/kube/resources.ts';
import { describeObject } from '../../src/snapshot/input.ts';
import { parseKubeYaml, toCanonicalYamlStream } from '../../src/snapshot/yaml.ts';
import { spawnSync } from 'node:child_process';

const root = join(import.meta.dirname, '..', '..');
const casesDir = join(root, 'testdata', 'diff');
const update = process.env.UPDATE_GOLDEN === '1';

interface Case {
  readonly base: string;
  readonly delete: readonly string[];
  readonly exitCode: number;
}

async function meshctl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runMeshctl(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

function yamlUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? yamlUnder(join(dir, entry.name)) : [join(dir, entry.name)]))
    .filter((path) => /\.ya?ml$/.test(path))
    .sort();
}

function objectsIn(dir: string) {
  return yamlUnder(dir).flatMap((file) => parseKubeYaml(readFileSync(file, 'utf8'), file).map((d) => d.object));
}

/** The base input with the case's files applied and its deletions made: what the render path reads. */
function changedInput(caseDir: string, spec: Case): string {
  const base = join(caseDir, spec.base);
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-diff-'));
  cpSync(join(base, 'clusters'), join(dir, 'clusters'), { recursive: true });
  const applied = objectsIn(join(caseDir, 'apply'));
  const replaced = new Set(applied.map(objectKey));
  const kept = objectsIn(join(base, 'mgmt')).filter(
    (object) => !replaced.has(objectKey(object)) && !spec.delete.includes(describeObject(object)),
  );
  for (const deleted of spec.delete) {
    assert.ok(
      objectsIn(join(base, 'mgmt')).some((object) => describeObject(object) === deleted),
      `${name(caseDir)}: ${deleted} is not in the base`,
    );
  }
  mkdirSync(join(dir, 'mgmt'));
  writeFileSync(join(dir, 'mgmt', 'objects.yaml'), toCanonicalYamlStream([...kept, ...applied]));
  return dir;
}

function name(caseDir: string): string {
  return relative(casesDir, caseDir);
}

function golden(path: string, actual: string): void {
  if (update) {
    writeFileSync(path, actual);
    return;
  }
  assert.equal(
    actual,
    readFileSync(path, 'utf8'),
    `${relative(root, path)} differs; if intended: UPDATE_GOLDEN=1 node --test test/unit/diff-golden.test.ts`,
  );
}

const cases = readdirSync(casesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe('meshctl diff and render --diff-against (golden cases in testdata/diff)', () => {
  for (const name of cases) {
    const caseDir = join(casesDir, name);
    const spec = JSON.parse(readFileSync(join(caseDir, 'case.json'), 'utf8')) as Case;
    const base = join(caseDir, spec.base);

    if (spec.delete.length === 0) {
      it(`${name}: meshctl diff -f prints the golden diff and exits ${String(spec.exitCode)}`, async () => {
        const text = await meshctl('diff', '--input', base, '-f', join(caseDir, 'apply'));
        assert.equal(text.code, spec.exitCode, text.stderr);
        golden(join(caseDir, 'expected.txt'), text.stdout);
        const json = await meshctl('-o', 'json', 'diff', '--input', base, '-f', join(caseDir, 'apply'));
        assert.equal(json.code, spec.exitCode, json.stderr);
        golden(join(caseDir, 'expected.json'), json.stdout);
      });
    }

    it(`${name}: render --diff-against an earlier output prints the same diff`, async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'meshctl-diff-out-')), 'out');
      const first = await meshctl('render', '--input', base, '--output', out);
      assert.equal(first.code, 0, first.stderr);
      const input = changedInput(caseDir, spec);
      const text = await meshctl('render', '--input', input, '--diff-against', out);
      assert.equal(text.code, spec.exitCode, text.stderr);
      const json = await meshctl('-o', 'json', 'render', '--input', input, '--diff-against', out);
      assert.equal(json.code, spec.exitCode, json.stderr);
      if (spec.delete.length > 0) {
        golden(join(caseDir, 'expected.txt'), text.stdout);
        golden(join(caseDir, 'expected.json'), json.stdout);
      } else if (!update) {
        assert.equal(text.stdout, readFileSync(join(caseDir, 'expected.txt'), 'utf8'));
        assert.equal(json.stdout, readFileSync(join(caseDir, 'expected.json'), 'utf8'));
      }
    });
  }
});

describe('meshctl diff: what the golden files say', () => {
  const json = (name: string) =>
    JSON.parse(readFileSync(join(casesDir, name, 'expected.json'), 'utf8')) as {
      changed: boolean;
      clusters: {
        cluster: string;
        objects: {
          change: string;
          kind: string;
          name: string;
          fields?: { path: string; before?: unknown; after?: unknown }[];
        }[];
      }[];
      policies: {
        name: string;
        before?: { state: string };
        after?: { state: string; errors: string[]; conflictsWith: string[] };
      }[];
    };

  it('a change of one policy updates the DestinationRules of both clusters, field by field', () => {
    const diff = json('change-in-two-clusters');
    for (const cluster of ['cluster-1', 'cluster-2']) {
      const objects = diff.clusters.find((c) => c.cluster === cluster)?.objects ?? [];
      const rule = objects.find((o) => o.kind === 'DestinationRule' && o.name === 'ratings');
      assert.deepEqual(rule?.fields, [
        { path: 'spec.trafficPolicy.outlierDetection.consecutive5xxErrors', before: 3, after: 5 },
      ]);
    }
  });

  it('an invalid policy gets the INVALID status with the field named, and changes no cluster', () => {
    const diff = json('invalid-policy');
    assert.deepEqual(
      diff.clusters.map((c) => c.cluster),
      ['mgmt'],
    );
    const policy = diff.policies.find((p) => p.name === 'bad-timeout');
    assert.equal(policy?.before, undefined);
    assert.equal(policy?.after?.state, 'INVALID');
    assert.ok(
      policy.after.errors.some((e) => e.startsWith('spec.policy.requestTimeout:')),
      policy.after.errors.join('\n'),
    );
  });

  it('a conflicting policy names the policy it conflicts with', () => {
    const policy = json('conflicting-policy').policies.find((p) => p.name === 'reviews-timeout-10s');
    assert.deepEqual(policy?.after?.conflictsWith, ['TrafficPolicy gloo-mesh/reviews-timeout']);
  });

  it('a deleted policy is reported with no status after, and its outputs go', () => {
    const diff = json('delete-policy');
    const policy = diff.policies.find((p) => p.name === 'reviews-shift-to-cluster-1-v2');
    assert.equal(policy?.after, undefined);
    assert.equal(policy?.before?.state, 'ACCEPTED');
    assert.ok(diff.clusters.some((c) => c.cluster === 'cluster-2' && c.objects.length > 0));
  });

  it('applying a policy as it is changes nothing', () => {
    assert.equal(json('no-change').changed, false);
  });
});

describe('meshctl diff: errors exit 2 and name what is wrong', () => {
  const base = join(root, 'testdata', 'networking', 'federation-two-clusters', 'input');
  const file = (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'meshctl-diff-f-'));
    writeFileSync(join(dir, 'objects.yaml'), text);
    return join(dir, 'objects.yaml');
  };

  it('refuses an object that is not a policy, naming file, document and object', async () => {
    const path = file('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n');
    const run = await meshctl('diff', '--input', base, '-f', path);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /objects\.yaml \(document 0\): Deployment shop\/web \(apps\/v1\): meshctl diff takes only/,
    );
    assert.equal(run.stdout, '');
  });

  it('refuses YAML that does not parse, and a file that does not exist', async () => {
    const bad = await meshctl('diff', '--input', base, '-f', file('kind: [\n'));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /objects\.yaml/);
    const missing = await meshctl('diff', '--input', base, '-f', join(tmpdir(), 'no-such-file.yaml'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no-such-file\.yaml: no such file or folder/);
  });

  it('render --diff-against a folder that is not an output tree exits 2', async () => {
    const run = await meshctl('render', '--input', base, '--diff-against', join(base, 'clusters', 'cluster-1'));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /holds neither mgmt\/ nor clusters\//);
  });

  it('reads the files from stdin with -f -, and prints no colour into a pipe', () => {
    const policy = readFileSync(join(casesDir, 'add-policy', 'apply', 'productpage-timeout.yaml'), 'utf8');
    const run = spawnSync(process.execPath, [join(root, 'src', 'cli', 'main.ts'), 'diff', '--input', base, '-f', '-'], {
      input: policy,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 1, run.stderr);
    assert.equal(run.stdout, readFileSync(join(casesDir, 'add-policy', 'expected.txt'), 'utf8'));
    assert.ok(!run.stdout.includes('\u001b'));
  });
});

// `meshctl render` as a CI step (issue 16, item 2): a short summary on stderr after every render and
// `--strict`, which fails the step when a policy, VirtualMesh or VirtualDestination is not ACCEPTED.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ISTIO_CLUSTER, meshctl, trafficPolicy, tree } from './render-support.ts';

const examples = new URL('../../examples/bookinfo', import.meta.url).pathname;

describe('meshctl render: the summary on stderr', () => {
  it('counts the objects read per kind and the policies per state, and lists each one not ACCEPTED with its file', () => {
    const dir = tree({
      ...ISTIO_CLUSTER,
      'mgmt/good.yaml': trafficPolicy('timeout', '{requestTimeout: 5s}'),
      'mgmt/bad/retries.yaml': `${trafficPolicy('mirror-free', '{retries: {attempts: 2}}')}---\n${trafficPolicy('retries', '{retries: {attempts: three}}')}`,
    });
    const run = meshctl('render', '--input', dir);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stderr.trimEnd().split('\n');
    assert.equal(
      lines[0],
      'read 8 objects (management cluster and 1 cluster): 3 TrafficPolicy, 2 Deployment, 1 ConfigMap, 1 Namespace, 1 Service',
    );
    assert.equal(lines[1], 'TrafficPolicy: 2 ACCEPTED, 1 INVALID');
    assert.equal(
      lines[2],
      '  INVALID TrafficPolicy gloo-mesh/retries (mgmt/bad/retries.yaml, document 1): spec.policy.retries.attempts: Invalid input: expected number, received string',
    );
    assert.equal(lines.length, 3, run.stderr);
  });

  it('says when nothing is wrong, and is printed with --output too', () => {
    const dir = tree({ ...ISTIO_CLUSTER, 'mgmt/good.yaml': trafficPolicy('timeout', '{requestTimeout: 5s}') });
    const run = meshctl('render', '--input', dir, '--output', join(dir, 'out'));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^wrote \d+ files to .*\nread 6 objects .*\nTrafficPolicy: 1 ACCEPTED\n$/);
  });

  it('shows every object of the README example ACCEPTED', () => {
    const run = meshctl('render', '--input', examples, '--strict');
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /INVALID|FAILED|warning|error/, run.stderr);
    assert.match(run.stderr, /^TrafficPolicy: \d+ ACCEPTED$/m);
    assert.match(run.stderr, /^VirtualMesh: 1 ACCEPTED$/m);
  });

  it('stays short for a large estate: at most 10 objects listed, the rest counted', () => {
    const policies = Array.from({ length: 1500 }, (_, i) =>
      trafficPolicy(
        `p-${String(i).padStart(4, '0')}`,
        i % 3 === 0 ? '{retries: {attempts: -5000000000}}' : '{requestTimeout: 5s}',
      ),
    ).join('---\n');
    const dir = tree({ ...ISTIO_CLUSTER, 'mgmt/many.yaml': policies });
    const run = meshctl('render', '--input', dir, '--output', join(dir, 'out'));
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stderr.trimEnd().split('\n');
    assert.ok(lines.length <= 14, run.stderr);
    assert.match(run.stderr, /^TrafficPolicy: 1000 ACCEPTED, 500 INVALID$/m);
    assert.equal(lines.filter((line) => line.startsWith('  INVALID TrafficPolicy')).length, 10);
    assert.match(run.stderr, /^ {2}… and 490 more not ACCEPTED/m);
    assert.ok(readdirSync(join(dir, 'out', 'mgmt')).length > 0);
  });
});

describe('meshctl render --strict', () => {
  const invalid = {
    ...ISTIO_CLUSTER,
    'mgmt/p.yaml': `${trafficPolicy('ok', '{requestTimeout: 5s}')}---\n${trafficPolicy('bad', '{requestTimeout: 0s}')}`,
  };

  it('exits 1 when a policy is not ACCEPTED, after writing the output and the summary', () => {
    const dir = tree(invalid);
    const run = meshctl('render', '--input', dir, '--strict');
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /kind: TrafficPolicy/);
    assert.match(
      run.stderr,
      /^ {2}INVALID TrafficPolicy gloo-mesh\/bad \(mgmt\/p\.yaml, document 1\): spec\.policy\.requestTimeout: /m,
    );
    assert.match(run.stderr, /^error: --strict: 1 object is not ACCEPTED$/m);
  });

  it('exits 0 without --strict on the same input, and with it when everything is ACCEPTED', () => {
    assert.equal(meshctl('render', '--input', tree(invalid)).code, 0);
    const good = tree({ ...ISTIO_CLUSTER, 'mgmt/p.yaml': trafficPolicy('ok', '{requestTimeout: 5s}') });
    assert.equal(meshctl('render', '--input', good, '--strict').code, 0);
  });

  it('holds VirtualMeshes to ACCEPTED too', () => {
    const dir = tree({
      ...ISTIO_CLUSTER,
      'mgmt/vm.yaml': `apiVersion: networking.mesh.gloo.solo.io/v1
kind: VirtualMesh
metadata: {name: vm, namespace: gloo-mesh}
spec:
  meshes: [{name: no-such-mesh, namespace: gloo-mesh}]
`,
    });
    const run = meshctl('render', '--input', dir, '--strict');
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^VirtualMesh: 1 (INVALID|FAILED)$/m);
    assert.match(run.stderr, /^ {2}(INVALID|FAILED) VirtualMesh gloo-mesh\/vm \(mgmt\/vm\.yaml, document 0\): /m);
  });

  it('documents the exit codes in the help', () => {
    const run = meshctl('render', '--help');
    assert.equal(run.code, 0);
    assert.match(run.stdout, /--strict/);
    assert.match(run.stdout, /Exit codes:\n {2}0 .*\n {2}1 .*--strict/s);
  });
});

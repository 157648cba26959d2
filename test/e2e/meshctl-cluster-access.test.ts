// meshctl against real API servers, as a user runs it (a child process, output piped): install waits
// for the management plane and says what is not ready; rejected and insufficient credentials are
// named as such; `check` runs every check and reports version skew, `check --pre` what an install
// needs; `cluster register` deploys the cert agent at the management plane's version.
//
// Each test installs into its own namespace on the shared management cluster and runs no management
// plane, so nothing here reads or writes another test's objects.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it, type TestContext } from 'node:test';
import { install } from '../../src/cli/commands/install.ts';
import { CERT_AGENT_NAME, CONTROLLER_NAME, DEFAULT_IMAGE } from '../../src/install/manifests.ts';
import { clientFromKubeconfigFile, type KubeClient } from '../../src/kube/client.ts';
import { DEPLOYMENT, NAMESPACE, POD, resourcePath, SERVICE_ACCOUNT } from '../../src/kube/resources.ts';
import { captureText } from '../support/artifacts.ts';
import { waitFor } from '../testenv/helpers.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'meshctl.js');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function meshctl(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      captureText('meshctl-output.log', `$ meshctl ${args.join(' ')}\n${stdout}${stderr}[exit ${String(code)}]\n`);
      resolve({ code, stdout, stderr });
    });
  });
}

let kubeconfig = '';
let mgmt: KubeClient;
let base: string[] = [];

function namespaceName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** Removes what an install into `namespace` left (cluster-scoped roles included). */
function uninstallAfter(t: TestContext, namespace: string): void {
  t.after(async () => {
    await meshctl([...base, 'uninstall', '-n', namespace]);
  });
}

/** A kubeconfig for the management cluster's address and CA with another user's token. */
function kubeconfigWithToken(token: string): string {
  const cluster = mgmt.kubeConfig.getCurrentCluster();
  assert.ok(cluster);
  const ca =
    cluster.caData ?? (cluster.caFile === undefined ? undefined : readFileSync(cluster.caFile).toString('base64'));
  assert.ok(ca !== undefined, 'the test kubeconfig names a CA');
  const path = join(mkdtempSync(join(tmpdir(), 'meshctl-access-')), 'kubeconfig');
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: mgmt',
      `  cluster: {server: "${cluster.server}", certificate-authority-data: "${ca}"}`,
      'users:',
      `- name: someone`,
      `  user: {token: "${token}"}`,
      'contexts:',
      '- name: prod-east',
      '  context: {cluster: mgmt, user: someone}',
      'current-context: prod-east',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return path;
}

describe('meshctl against real clusters: waiting, credentials, checks', { timeout: 300_000 }, () => {
  before(() => {
    kubeconfig = process.env.MESHHUB_TEST_KUBECONFIG ?? '';
    assert.ok(kubeconfig !== '', 'MESHHUB_TEST_KUBECONFIG: run through test/testenv/with-testenv.ts');
    mgmt = clientFromKubeconfigFile('mgmt', kubeconfig, 'mgmt');
    base = ['--kubeconfig', kubeconfig, '--context', 'mgmt'];
  });

  it('install waits for the management plane and, when it does not come up, says what is not ready', async (t) => {
    const namespace = namespaceName('mh-wait');
    uninstallAfter(t, namespace);
    // No kubelet here: the controller's pod is never scheduled.
    const run = await meshctl([...base, 'install', '-n', namespace, '--timeout', '3s']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, new RegExp(`installed in namespace ${namespace}`));
    assert.match(
      run.stderr,
      new RegExp(`Waiting for the management plane \\(Deployment ${namespace}/${CONTROLLER_NAME}\\)`),
    );
    assert.match(
      run.stderr,
      new RegExp(
        `error: Deployment ${namespace}/${CONTROLLER_NAME} is not ready after 3s: 0 of 1 replicas available; .*(pod ${CONTROLLER_NAME}-\\S+: Pending, not scheduled to a node yet|no pods yet)`,
      ),
    );
    assert.match(run.stderr, /--wait=false/);
    assert.doesNotMatch(run.stderr, /\r|internal error/);
  });

  it('install returns once the management plane is ready (its pod made Ready here, as a kubelet would)', async (t) => {
    const namespace = namespaceName('mh-ready');
    uninstallAfter(t, namespace);
    const running = meshctl([...base, 'install', '-n', namespace, '--timeout', '120s']);
    // The pod the ReplicaSet creates, marked Running and Ready through its status subresource.
    let podName = '';
    await waitFor(
      'the management plane pod',
      async () => {
        const pods = (await mgmt.list(POD, { namespace, labelSelector: `app=${CONTROLLER_NAME}` })).items;
        podName = pods[0]?.metadata.name ?? '';
        return podName !== '';
      },
      90_000,
    );
    const now = new Date().toISOString();
    await mgmt.request(
      'PATCH',
      `${resourcePath(POD, namespace, podName)}/status`,
      {
        status: {
          phase: 'Running',
          podIP: '10.244.9.9',
          conditions: [
            { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
            { type: 'Ready', status: 'True', lastTransitionTime: now },
            { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
          ],
        },
      },
      'application/merge-patch+json',
    );
    const run = await running;
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /The management plane is ready\./);
    assert.match(run.stderr, /1 of 1 replicas available/);
  });

  it('rejected credentials: a 401, named with the context and address, the token never printed', async () => {
    const token = `bogus-${randomBytes(8).toString('hex')}`;
    const path = kubeconfigWithToken(token);
    const runs = await Promise.all([
      meshctl(['--kubeconfig', path, 'install', '--wait=false']),
      meshctl(['--kubeconfig', path, 'check']),
    ]);
    for (const run of runs) {
      assert.equal(run.code, 1, run.stderr);
      assert.match(
        run.stdout + run.stderr,
        new RegExp(
          `cluster \`prod-east\` at ${mgmt.server.replaceAll('.', '\\.')} rejected the credentials \\(401 Unauthorized\\)`,
        ),
      );
      assert.ok(!(run.stdout + run.stderr).includes(token), 'the token is never printed');
      assert.doesNotMatch(run.stderr, /internal error/);
    }
  });

  it('insufficient rights: check --pre lists what an install needs; install stops with the 403', async (t) => {
    const namespace = namespaceName('mh-nobody');
    await mgmt.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    t.after(async () => {
      await mgmt.delete(NAMESPACE, namespace);
    });
    await mgmt.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'nobody', namespace } });
    const { status } = await mgmt.request<{ status: { token: string } }>(
      'POST',
      `${resourcePath(SERVICE_ACCOUNT, namespace, 'nobody')}/token`,
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } },
    );
    const path = kubeconfigWithToken(status.token);
    const [pre, installRun] = await Promise.all([
      meshctl(['--kubeconfig', path, 'check', '--pre']),
      meshctl(['--kubeconfig', path, 'install', '-n', namespaceName('mh-denied'), '--wait=false']),
    ]);
    assert.equal(pre.code, 1, pre.stderr);
    assert.match(pre.stdout, /PASS {2}management cluster: `prod-east` at /);
    assert.match(pre.stdout, /PASS {2}Kubernetes version: v1\.\d+/);
    assert.match(
      pre.stdout,
      /FAIL {2}permissions to install: not allowed: create customresourcedefinitions\.apiextensions\.k8s\.io, create namespaces, .*create clusterroles\.rbac\.authorization\.k8s\.io/,
    );
    assert.match(pre.stdout, /WARN {2}existing install: cannot tell: .*forbidden \(403\)/);
    assert.match(pre.stderr, /error: 1 of 4 checks failed/);
    assert.equal(installRun.code, 1);
    assert.match(
      installRun.stderr,
      /error: cluster `prod-east` at https:\/\/\S+: forbidden \(403\): .*system:serviceaccount:/,
    );
    assert.ok(!(pre.stdout + installRun.stderr).includes(status.token));
  });

  it('check --pre passes for an administrator', async () => {
    const run = await meshctl([...base, 'check', '--pre', '-n', namespaceName('mh-none')]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /PASS {2}permissions to install: /);
    assert.match(run.stdout, /PASS {2}existing install: none in /);
  });

  it('check runs every check past a failure and reports version skew; register follows the installed version', async (t) => {
    const namespace = namespaceName('mh-skew');
    uninstallAfter(t, namespace);
    // Mesh Hub 9.9.9 (installed as `meshctl install --version 9.9.9` does, without the global flag parsing).
    await install(mgmt, { namespace, image: DEFAULT_IMAGE, version: '9.9.9', replicas: 1 }, () => undefined);
    const register = await meshctl([
      ...base,
      'cluster',
      'register',
      'skewed',
      '-n',
      namespace,
      '--remote-context',
      'cluster-1',
    ]);
    t.after(async () => {
      await meshctl([...base, 'cluster', 'deregister', 'skewed', '-n', namespace, '--remote-context', 'cluster-1']);
    });
    assert.equal(register.code, 0, register.stderr);
    assert.match(register.stderr, /Connecting to the management cluster: `mgmt`/);
    assert.match(register.stderr, /Connecting to the cluster skewed: `cluster-1`/);
    const c1 = clientFromKubeconfigFile('cluster-1', kubeconfig, 'cluster-1');
    const agent = (await c1.get(DEPLOYMENT, CERT_AGENT_NAME, namespace)) as
      { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } } | undefined;
    assert.equal(agent?.spec?.template?.spec?.containers?.[0]?.image, `${DEFAULT_IMAGE}:9.9.9`);

    const check = await meshctl([...base, 'check', '-n', namespace]);
    assert.equal(check.code, 1, 'the management plane is not running');
    const lines = check.stdout.split('\n').filter((line) => /^(PASS|WARN|FAIL)/.test(line));
    assert.deepEqual(
      lines.map((line) => line.split(':')[0]),
      [
        'PASS  management cluster',
        'PASS  CRDs',
        'PASS  install namespace',
        'FAIL  management plane',
        'WARN  role-based API webhook',
        'PASS  cluster skewed',
        'PASS  cluster skewed',
        'WARN  versions',
      ],
    );
    assert.match(check.stdout, /PASS {2}cluster skewed: token authorised/);
    assert.match(
      check.stdout,
      /WARN {2}versions: version skew: client \S+, management plane 9\.9\.9, cert agent on skewed 9\.9\.9\n {6}fix: .*meshctl install --version 9\.9\.9/,
    );
    assert.match(check.stderr, /error: 1 of 8 checks failed/);
  });
});

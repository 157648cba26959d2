// The Helm charts in deploy/helm with the real Helm (built from helm.sh/helm/v4 like the test
// environment's Kubernetes): they lint; `helm template` gives exactly the objects `meshctl install
// --dry-run` and `meshctl cluster register --dry-run` print for the same settings; and the
// management chart installs, upgrades (a changed value read back) and uninstalls on a real cluster.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { CONTROLLER_NAME } from '../../src/install/manifests.ts';
import { clientFromKubeconfigFile, type KubeClient } from '../../src/kube/client.ts';
import { CRD, DEPLOYMENT, SETTINGS, typeOfObject } from '../../src/kube/resources.ts';
import { ensureHelm } from '../../src/testenv/build.ts';
import { startTestEnv, stopTestEnv, type TestEnvState } from '../../src/testenv/launcher.ts';
import { meshctl } from '../e2e/support.ts';
import { waitFor } from '../testenv/helpers.ts';

const root = join(import.meta.dirname, '..', '..');
const MANAGEMENT = join(root, 'deploy', 'helm', 'mesh-hub');
const AGENT = join(root, 'deploy', 'helm', 'mesh-hub-agent');
const VERSION = (
  JSON.parse(execFileSync('git', ['show', 'HEAD:package.json'], { cwd: root, encoding: 'utf8' })) as {
    version: string;
  }
).version;
const CLUSTER_ROLE = typeOfObject('rbac.authorization.k8s.io/v1', 'ClusterRole');

let helm: string;

function runHelm(...args: string[]): string {
  const run = spawnSync(helm, args, { encoding: 'utf8', timeout: 180_000 });
  assert.equal(run.status, 0, `helm ${args.join(' ')}:\n${run.stdout}${run.stderr}`);
  return run.stdout;
}

/** A YAML stream as a map from apiVersion/kind/namespace/name to the object (comments and empty documents dropped). */
function objectSet(stream: string): Map<string, unknown> {
  const objects = new Map<string, unknown>();
  for (const document of parseAllDocuments(stream)) {
    const value = document.toJS() as {
      apiVersion?: string;
      kind?: string;
      metadata?: { name?: string; namespace?: string };
    } | null;
    if (value === null) continue;
    const key = `${value.apiVersion ?? ''}/${value.kind ?? ''}/${value.metadata?.namespace ?? ''}/${value.metadata?.name ?? ''}`;
    assert.ok(!objects.has(key), `${key} twice`);
    objects.set(key, value);
  }
  return objects;
}

function assertSameObjects(helmOutput: string, meshctlOutput: string): void {
  const fromHelm = objectSet(helmOutput);
  const fromMeshctl = objectSet(meshctlOutput);
  assert.deepEqual([...fromHelm.keys()].sort(), [...fromMeshctl.keys()].sort());
  for (const [key, object] of fromMeshctl) assert.deepEqual(fromHelm.get(key), object, key);
}

async function dryRun(args: readonly string[]): Promise<string> {
  const run = await meshctl(args);
  assert.equal(run.code, 0, run.stderr);
  return run.stdout;
}

describe('the Helm charts', { timeout: 20 * 60_000 }, () => {
  before(async () => {
    helm = await ensureHelm((line) => {
      console.log(line);
    });
  });

  it('lint', () => {
    runHelm('lint', '--strict', MANAGEMENT);
    runHelm('lint', '--strict', AGENT, '--set', 'cluster=cluster-1');
    // The agent chart names what it needs.
    const missing = spawnSync(helm, ['template', 'agent', AGENT], { encoding: 'utf8' });
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /cluster: the name this cluster is registered as/);
  });

  it('render the objects meshctl install --dry-run prints, for the default and for other settings', async () => {
    assertSameObjects(
      runHelm(
        'template',
        'mesh-hub',
        MANAGEMENT,
        '--namespace',
        'gloo-mesh',
        '--include-crds',
        '--set',
        'createNamespace=true',
      ),
      await dryRun(['install', '--dry-run']),
    );
    assertSameObjects(
      runHelm(
        'template',
        'mesh-hub',
        MANAGEMENT,
        '--namespace',
        'mesh-ops',
        '--include-crds',
        '--set',
        'createNamespace=true,image.repository=registry.example/platform/mesh-hub,image.tag=9.9.9,replicas=2',
      ),
      await dryRun([
        'install',
        '--dry-run',
        '-n',
        'mesh-ops',
        '--image',
        'registry.example/platform/mesh-hub',
        '--version',
        '9.9.9',
        '--replicas',
        '2',
      ]),
    );
  });

  it('render the objects meshctl cluster register --dry-run prints, with and without the cert agent', async () => {
    assertSameObjects(
      runHelm(
        'template',
        'agent',
        AGENT,
        '--namespace',
        'gloo-mesh',
        '--set',
        'cluster=cluster-1,createNamespace=true,meshNamespaces={istio-system,istio-canary}',
        '--set',
        'certAgent.image.repository=registry.example/mesh-hub,certAgent.image.tag=1.2.3',
      ),
      await dryRun([
        'cluster',
        'register',
        'cluster-1',
        '--dry-run',
        '--mesh-namespaces',
        'istio-system,istio-canary',
        '--cert-agent-image',
        'registry.example/mesh-hub:1.2.3',
      ]),
    );
    assertSameObjects(
      runHelm(
        'template',
        'agent',
        AGENT,
        '--namespace',
        'mesh-ops',
        '--set',
        'cluster=east,createNamespace=true,certAgent.enabled=false',
      ),
      await dryRun(['cluster', 'register', 'east', '--dry-run', '-n', 'mesh-ops', '--no-cert-agent']),
    );
  });

  describe('on a real management cluster', () => {
    let env: TestEnvState;
    let work: string;
    let mgmt: KubeClient;
    const namespace = 'mesh-hub-helm';
    const kube = () => ['--kubeconfig', env.kubeconfigPath, '--kube-context', 'mgmt'];

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'mesh-hub-helm-test-'));
      env = await startTestEnv({ stateDir: join(work, 'env'), clusters: ['mgmt'] });
      mgmt = clientFromKubeconfigFile('mgmt', env.kubeconfigPath, 'mgmt');
    });

    after(async () => {
      await stopTestEnv(env).catch(() => undefined);
      rmSync(work, { recursive: true, force: true });
    });

    interface DeploymentShape {
      spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string; args?: string[] }[] } } };
    }
    const deployment = async () =>
      (await mgmt.get(DEPLOYMENT, CONTROLLER_NAME, namespace)) as DeploymentShape | undefined;

    it('installs the management plane: CRDs, RBAC, Settings and the Deployment of this version', async () => {
      // The test environment applied the CRDs already (as `meshctl install` would have): Helm takes them over.
      runHelm(
        'install',
        'mesh-hub',
        MANAGEMENT,
        '--namespace',
        namespace,
        '--create-namespace',
        '--force-conflicts',
        ...kube(),
      );
      const installed = await deployment();
      assert.equal(installed?.spec?.template?.spec?.containers?.[0]?.image, `ghcr.io/mesh-hub/mesh-hub:${VERSION}`);
      const crd = (await mgmt.get(CRD, 'trafficpolicies.networking.mesh.gloo.solo.io')) as
        { metadata: { managedFields?: { manager?: string }[] } } | undefined;
      assert.ok(
        crd?.metadata.managedFields?.some((field) => field.manager === 'helm'),
        'Helm applied the CRDs',
      );
      assert.ok(await mgmt.get(SETTINGS, 'settings', namespace));
      if (CLUSTER_ROLE === undefined) throw new Error('no ClusterRole type');
      assert.ok(await mgmt.get(CLUSTER_ROLE, `mesh-hub-${namespace}-controller`));
      // meshctl reads the server version from what Helm installed.
      const version = await meshctl([
        '--kubeconfig',
        env.kubeconfigPath,
        '--context',
        'mgmt',
        'version',
        '-n',
        namespace,
      ]);
      assert.equal(version.code, 0, version.stderr);
      assert.match(
        version.stdout,
        new RegExp(`server: ${VERSION.replaceAll('.', '\\.')} \\(${namespace}/${CONTROLLER_NAME}`),
      );
    });

    it('upgrades with changed values, read back from the Deployment', async () => {
      runHelm(
        'upgrade',
        'mesh-hub',
        MANAGEMENT,
        '--namespace',
        namespace,
        '--set',
        'replicas=2,logLevel=debug,leaderElection.leaseDurationSeconds=30,image.tag=0.9.9',
        ...kube(),
      );
      await waitFor('the upgraded Deployment', async () => (await deployment())?.spec?.replicas === 2, 30_000);
      const container = (await deployment())?.spec?.template?.spec?.containers?.[0];
      assert.equal(container?.image, 'ghcr.io/mesh-hub/mesh-hub:0.9.9');
      assert.ok(container.args?.includes('--log-level=debug'), JSON.stringify(container.args));
      assert.ok(container.args?.includes('--lease-duration=30'), JSON.stringify(container.args));
      assert.match(runHelm('history', 'mesh-hub', '--namespace', namespace, ...kube()), /upgrade/i);
    });

    it('uninstalls: the release and its objects are gone, the CRDs (and so every policy) stay', async () => {
      runHelm('uninstall', 'mesh-hub', '--namespace', namespace, '--wait', '--timeout', '120s', ...kube());
      await waitFor('the Deployment gone', async () => (await deployment()) === undefined, 60_000);
      if (CLUSTER_ROLE === undefined) throw new Error('no ClusterRole type');
      assert.equal(await mgmt.get(CLUSTER_ROLE, `mesh-hub-${namespace}-controller`), undefined);
      assert.equal(await mgmt.get(SETTINGS, 'settings', namespace), undefined);
      assert.ok(await mgmt.get(CRD, 'trafficpolicies.networking.mesh.gloo.solo.io'));
      assert.doesNotMatch(runHelm('list', '--namespace', namespace, ...kube()), /mesh-hub/);
    });
  });
});

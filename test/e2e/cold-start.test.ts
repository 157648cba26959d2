// Unknown is not empty, end to end (issue 14, items 7, 9, 11, 12) on three real clusters of its own:
// bookinfo in two workload clusters, a VirtualMesh federating them with shared trust and default
// deny, an AccessPolicy across clusters. Then: a controller restart, a restart with cluster-2's
// API server frozen (SIGSTOP, a black hole), a black-holed cluster while policies change, and
// token renewal must delete nothing anywhere and never flap a status; a VirtualMesh that turns
// INVALID keeps default deny and certificates until it is deleted.
// Deletes are counted three ways: the controller's meshhub_objects_written_total{operation="delete"},
// watches on every cluster counting DELETED events of owned kinds, and the uids of every owned
// object before and after (a delete and re-create changes the uid).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { OWNER_LABEL, DISCOVERY_OWNER_LABEL } from '../../src/api/labels.ts';
import type { KubeObject } from '../../src/api/meta.ts';
import { EXAMPLES_DIR, loadEstateCluster } from '../../src/demo/estate.ts';
import { CERT_AGENT_NAME } from '../../src/install/manifests.ts';
import { clientFromKubeconfigFile, type KubeClient } from '../../src/kube/client.ts';
import { certificateAuthority, registrationKubeconfig, requestToken } from '../../src/kube/registration.ts';
import {
  DESTINATION,
  ISSUED_CERTIFICATE,
  MESH,
  SECRET,
  VIRTUAL_MESH,
  WORKLOAD,
  WORKLOAD_OUTPUT_TYPES,
  resourcePath,
  typeOfObject,
  type ResourceType,
} from '../../src/kube/resources.ts';
import { kubeconfigFromSecret } from '../../src/reconcile/registered-clusters.ts';
import { kubeconfigToken } from '../../src/reconcile/token-renewal.ts';
import { startTestEnv, stopTestEnv, type TestEnvState } from '../../src/testenv/launcher.ts';
import { waitFor } from '../testenv/helpers.ts';
import { meshctl, startCertAgent, startController, type RunningController, type RunningProcess } from './support.ts';

const NS = 'gloo-mesh';
const CLUSTERS = ['cluster-1', 'cluster-2'] as const;
const MESHES = CLUSTERS.map((cluster) => `istiod-istio-system-${cluster}`);
function known(apiVersion: string, kind: string): ResourceType {
  const type = typeOfObject(apiVersion, kind);
  if (type === undefined) throw new Error(`no resource type for ${apiVersion} ${kind}`);
  return type;
}
const AUTHORIZATION_POLICY = known('security.istio.io/v1', 'AuthorizationPolicy');
const VIRTUAL_SERVICE = known('networking.istio.io/v1', 'VirtualService');
const SERVICE_ENTRY = known('networking.istio.io/v1', 'ServiceEntry');
const ACCESS_POLICY_TYPE = known('networking.mesh.gloo.solo.io/v1', 'AccessPolicy');

let env: TestEnvState;
let workDir: string;
let mgmt: KubeClient;
const remotes = new Map<string, KubeClient>();
let controller: RunningController | undefined;
let controllers = 0;
const agents: RunningProcess[] = [];
const figures: string[] = [];

function virtualMesh(extraMtls: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind: 'VirtualMesh',
    metadata: { name: 'bookinfo', namespace: NS },
    spec: {
      meshes: MESHES.map((name) => ({ name, namespace: NS })),
      globalAccessPolicy: 'ENABLED',
      mtlsConfig: {
        shared: {
          rootCertificateAuthority: { generated: { rsaKeySizeBytes: 2048, ttlDays: 90 } },
          intermediateCertOptions: { rsaKeySizeBytes: 2048, ttlDays: 30 },
        },
        ...extraMtls,
      },
      federation: {
        selectors: [{ destinationSelectors: [{ kubeServiceMatcher: { namespaces: ['bookinfo'] } }] }],
        eastWestIngressGatewaySelectors: [
          {
            destinationSelectors: [
              { kubeServiceMatcher: { labels: { istio: 'eastwestgateway' }, namespaces: ['istio-system'] } },
            ],
            portName: 'tls',
          },
        ],
      },
    },
  };
}

/** productpage of cluster-1 may call reviews in both clusters: cluster-2's rules depend on cluster-1. */
const accessPolicy: KubeObject = {
  apiVersion: 'networking.mesh.gloo.solo.io/v1',
  kind: 'AccessPolicy',
  metadata: { name: 'productpage-to-reviews', namespace: NS },
  spec: {
    destinationSelector: [{ kubeServiceMatcher: { labels: { app: 'reviews' }, namespaces: ['bookinfo'] } }],
    sourceSelector: [
      {
        kubeServiceAccountRefs: {
          serviceAccounts: [{ name: 'bookinfo-productpage', namespace: 'bookinfo', clusterName: 'cluster-1' }],
        },
      },
    ],
  },
};

function timeoutPolicy(timeout: string): KubeObject {
  return {
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind: 'TrafficPolicy',
    metadata: { name: 'reviews-timeout', namespace: NS },
    spec: {
      destinationSelector: [{ kubeServiceMatcher: { labels: { app: 'reviews' }, namespaces: ['bookinfo'] } }],
      policy: { requestTimeout: timeout },
    },
  };
}

async function startAgent(cluster: string, remote: KubeClient): Promise<void> {
  const { token } = await requestToken(remote, NS, 3600, CERT_AGENT_NAME);
  const kubeconfigPath = join(workDir, `${cluster}-cert-agent.kubeconfig`);
  writeFileSync(kubeconfigPath, registrationKubeconfig(cluster, remote.server, certificateAuthority(remote), token), {
    mode: 0o600,
  });
  agents.push(
    await startCertAgent({ kubeconfig: kubeconfigPath, namespace: NS, logFile: join(workDir, `${cluster}-agent.log`) }),
  );
}

async function newController(extraArgs: readonly string[] = []): Promise<RunningController> {
  controllers++;
  controller = await startController({
    kubeconfig: env.kubeconfigPath,
    context: 'mgmt',
    logFile: join(workDir, `controller-${String(controllers)}.log`),
    leaseDurationSeconds: 4,
    extraArgs,
  });
  return controller;
}

function apiServerPid(cluster: string): number {
  // startCluster starts etcd, then the API server, then the controller manager.
  const pid = env.clusters.find((info) => info.name === cluster)?.pids[1];
  if (pid === undefined) throw new Error(`no API server pid for ${cluster}`);
  return pid;
}

/** Every owned object of the output kinds on a cluster (Mesh Hub's, by owner label) → its uid. */
async function ownedInventory(
  client: KubeClient,
  types: readonly ResourceType[],
  label: string,
): Promise<Map<string, string>> {
  const inventory = new Map<string, string>();
  for (const type of types) {
    let items: KubeObject[];
    try {
      items = (await client.list(type, { labelSelector: `${label}=${NS}` })).items;
    } catch {
      continue; // a kind whose CRD is not installed
    }
    for (const object of items)
      inventory.set(
        `${type.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`,
        object.metadata.uid ?? '',
      );
  }
  return inventory;
}

function lostOrReplaced(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  return [...before].filter(([key, uid]) => after.get(key) !== uid).map(([key]) => key);
}

/** Watches that count DELETED events of owned objects, and every status state a policy or VirtualMesh shows. */
class Witness {
  readonly deleted: string[] = [];
  readonly states: string[] = [];
  readonly #aborts: AbortController[] = [];

  async start(): Promise<void> {
    const targets: { cluster: string; type: ResourceType; label: string }[] = [];
    for (const cluster of CLUSTERS)
      for (const type of WORKLOAD_OUTPUT_TYPES) targets.push({ cluster, type, label: OWNER_LABEL });
    for (const type of [MESH, WORKLOAD, DESTINATION])
      targets.push({ cluster: 'mgmt', type, label: DISCOVERY_OWNER_LABEL });
    for (const { cluster, type, label } of targets) {
      const config = new KubeConfig();
      config.loadFromFile(env.kubeconfigPath);
      config.setCurrentContext(cluster);
      const abort = await new Watch(config)
        .watch(
          resourcePath(type),
          { labelSelector: `${label}=${NS}` },
          (phase, object: KubeObject) => {
            if (phase === 'DELETED')
              this.deleted.push(`${cluster} ${type.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`);
          },
          () => undefined,
        )
        .catch(() => undefined);
      if (abort !== undefined) this.#aborts.push(abort);
    }
    for (const type of [VIRTUAL_MESH, ACCESS_POLICY_TYPE]) {
      const config = new KubeConfig();
      config.loadFromFile(env.kubeconfigPath);
      config.setCurrentContext('mgmt');
      const abort = await new Watch(config).watch(
        resourcePath(type, NS),
        {},
        (phase, object: KubeObject & { status?: { state?: string } }) => {
          if (phase !== 'DELETED')
            this.states.push(`${type.kind} ${object.metadata.name}: ${object.status?.state ?? 'none'}`);
        },
        () => undefined,
      );
      this.#aborts.push(abort);
    }
  }

  stop(): void {
    for (const abort of this.#aborts) abort.abort();
  }

  flaps(): string[] {
    return this.states.filter((state) => !state.endsWith(': ACCEPTED'));
  }
}

async function deletesCounted(running: RunningController): Promise<number> {
  return running.metric('meshhub_objects_written_total', { operation: 'delete' });
}

/** Waits until the controller has reconciled and written nothing for `quietMs`. */
async function quiet(running: RunningController, quietMs = 3000, timeoutMs = 90_000): Promise<void> {
  await waitFor('a first reconcile', async () => (await running.metric('meshhub_reconciles_total')) >= 1, timeoutMs);
  let last = -1;
  let since = Date.now();
  await waitFor(
    `no writes for ${String(quietMs / 1000)} s`,
    async () => {
      const written = await running.metric('meshhub_objects_written_total');
      if (written !== last) {
        last = written;
        since = Date.now();
      }
      return Date.now() - since >= quietMs;
    },
    timeoutMs,
  );
}

async function inventories(skip?: string): Promise<Map<string, Map<string, string>>> {
  const result = new Map<string, Map<string, string>>();
  for (const [cluster, client] of remotes) {
    if (cluster === skip) continue;
    result.set(cluster, await ownedInventory(client, WORKLOAD_OUTPUT_TYPES, OWNER_LABEL));
  }
  result.set('mgmt', await ownedInventory(mgmt, [MESH, WORKLOAD, DESTINATION], DISCOVERY_OWNER_LABEL));
  return result;
}

function assertKept(before: Map<string, Map<string, string>>, after: Map<string, Map<string, string>>, what: string) {
  for (const [cluster, inventory] of before) {
    assert.ok(inventory.size > 0, `${cluster} has owned objects`);
    assert.deepEqual(lostOrReplaced(inventory, after.get(cluster) ?? new Map()), [], `${what}: deleted on ${cluster}`);
  }
}

async function timeoutOn(cluster: string): Promise<string | undefined> {
  const vs = (await remotes.get(cluster)?.get(VIRTUAL_SERVICE, 'reviews', 'bookinfo')) as
    { spec?: { http?: { timeout?: string }[] } } | undefined;
  return vs?.spec?.http?.[0]?.timeout;
}

describe('cold start, black holes and token renewal with federation and default deny', { timeout: 900_000 }, () => {
  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'mesh-hub-cold-start-'));
    env = await startTestEnv({ stateDir: join(workDir, 'env') });
    mgmt = clientFromKubeconfigFile('mgmt', env.kubeconfigPath, 'mgmt');
    for (const cluster of CLUSTERS)
      remotes.set(cluster, clientFromKubeconfigFile(cluster, env.kubeconfigPath, cluster));
  });

  after(async () => {
    for (const cluster of CLUSTERS) {
      try {
        process.kill(apiServerPid(cluster), 'SIGCONT');
      } catch {
        // already running or gone
      }
    }
    for (const agent of agents) await agent.stop();
    await controller?.stop();
    await Promise.resolve()
      .then(() => stopTestEnv(env))
      .catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
    for (const figure of figures) console.log(`# ${figure}`);
  });

  it('federates bookinfo over two clusters with shared trust and default deny', async () => {
    const base = ['--kubeconfig', env.kubeconfigPath, '--context', 'mgmt'];
    const install = await meshctl([...base, 'install', '--wait=false']);
    assert.equal(install.code, 0, install.stderr);
    for (const [cluster, remote] of remotes) {
      const register = await meshctl([...base, 'cluster', 'register', cluster, '--remote-context', cluster]);
      assert.equal(register.code, 0, register.stderr);
      await loadEstateCluster(remote, join(EXAMPLES_DIR, 'bookinfo'), cluster);
      await startAgent(cluster, remote);
    }
    await mgmt.apply(virtualMesh());
    await mgmt.apply(accessPolicy);
    await mgmt.apply(timeoutPolicy('5s'));
    const running = await newController();
    await waitFor(
      'default deny, certificates and federation on both clusters; everything ACCEPTED',
      async () => {
        for (const [cluster, remote] of remotes) {
          if ((await remote.get(AUTHORIZATION_POLICY, 'global-access-control', 'istio-system')) === undefined)
            return false;
          const issued = (await remote.get(
            ISSUED_CERTIFICATE,
            MESHES[CLUSTERS.indexOf(cluster as 'cluster-1')] ?? '',
            NS,
          )) as { status?: { state?: string } } | undefined;
          if (issued?.status?.state !== 'FINISHED') return false;
          const other = cluster === 'cluster-1' ? 'cluster-2' : 'cluster-1';
          const federated = await remote.list(SERVICE_ENTRY, { namespace: 'istio-system' });
          if (!federated.items.some((entry) => entry.metadata.name.endsWith(`.${other}.global`))) return false;
        }
        const vm = (await mgmt.get(VIRTUAL_MESH, 'bookinfo', NS)) as { status?: { state?: string } } | undefined;
        const ap = (await mgmt.get(ACCESS_POLICY_TYPE, 'productpage-to-reviews', NS)) as
          { status?: { state?: string } } | undefined;
        return vm?.status?.state === 'ACCEPTED' && ap?.status?.state === 'ACCEPTED';
      },
      180_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${running.log().split('\n').slice(-20).join('\n')}`);
    });
    await quiet(running);
  });

  it('restart: zero deletes anywhere, no status flaps', async () => {
    const before = await inventories();
    const witness = new Witness();
    await witness.start();
    await controller?.stop();
    const started = performance.now();
    const running = await newController();
    await quiet(running);
    figures.push(`restart: settled in ${String(Math.round(performance.now() - started))} ms`);
    witness.stop();
    assert.equal(await deletesCounted(running), 0);
    assert.deepEqual(witness.deleted, []);
    assert.deepEqual(witness.flaps(), []);
    assertKept(before, await inventories(), 'restart');
  });

  it('restart with cluster-2 black-holed (SIGSTOP): zero deletes, last known state kept, no flaps', async () => {
    const before = await inventories();
    const witness = new Witness();
    await witness.start();
    await controller?.stop();
    process.kill(apiServerPid('cluster-2'), 'SIGSTOP');
    let running: RunningController;
    try {
      running = await newController(['--cluster-sync-timeout=3']);
      await quiet(running, 5000);
      assert.equal(await deletesCounted(running), 0, 'no delete while cluster-2 is unknown');
      // cluster-1 and the discovered objects of both clusters are untouched.
      const during = await inventories('cluster-2');
      assertKept(new Map([...before].filter(([cluster]) => cluster !== 'cluster-2')), during, 'cluster-2 unknown');
    } finally {
      process.kill(apiServerPid('cluster-2'), 'SIGCONT');
    }
    await waitFor(
      'cluster-2 synced again',
      async () => (await running.metric('meshhub_cluster_synced', { cluster: 'cluster-2' })) === 1,
      60_000,
    );
    await quiet(running);
    witness.stop();
    assert.equal(await deletesCounted(running), 0);
    assert.deepEqual(
      witness.deleted.filter((entry) => !entry.startsWith('cluster-2')),
      [],
    );
    assert.deepEqual(witness.flaps(), []);
    assertKept(before, await inventories(), 'cluster-2 back');
  });

  it('a black-holed cluster does not delay cluster-1: change-to-output latency measured', async () => {
    const running = controller;
    assert.ok(running !== undefined);
    const latency = async (timeout: string): Promise<number> => {
      const started = performance.now();
      await mgmt.apply(timeoutPolicy(timeout));
      await waitFor(
        `cluster-1 VirtualService reviews with timeout ${timeout}`,
        async () => (await timeoutOn('cluster-1')) === timeout,
        60_000,
      );
      return performance.now() - started;
    };
    const healthy = [await latency('6s'), await latency('7s')];
    await waitFor('cluster-2 converged', async () => (await timeoutOn('cluster-2')) === '7s', 30_000);
    const deletesBefore = await deletesCounted(running);
    process.kill(apiServerPid('cluster-2'), 'SIGSTOP');
    const blackHoled: number[] = [];
    try {
      // Changes over 30 s: before, during and after cluster-2's apply deadline (20 s) fires.
      for (const [i, timeout] of ['8s', '9s', '10s', '11s'].entries()) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, 8000));
        blackHoled.push(await latency(timeout));
      }
    } finally {
      process.kill(apiServerPid('cluster-2'), 'SIGCONT');
    }
    await waitFor(
      'cluster-2 converged after the black hole',
      async () => (await timeoutOn('cluster-2')) === '11s',
      90_000,
    );
    const round = (values: number[]) => values.map((value) => String(Math.round(value))).join(', ');
    figures.push(
      `change-to-output latency on cluster-1: healthy ${round(healthy)} ms; cluster-2 black-holed ${round(blackHoled)} ms`,
    );
    // Bound: debounce + render + one apply on cluster-1, whatever cluster-2 does.
    for (const value of blackHoled)
      assert.ok(value < 5000, `cluster-1 latency ${String(Math.round(value))} ms with cluster-2 black-holed`);
    assert.equal(await deletesCounted(running), deletesBefore, 'no delete while cluster-2 was black-holed');
  });

  it('token renewal with federation active: zero deletes, no flaps', async () => {
    await quiet(controller ?? assert.fail('no controller'));
    const before = await inventories();
    const tokens = new Map<string, string | undefined>();
    for (const cluster of CLUSTERS) {
      const secret = await mgmt.get(SECRET, cluster, NS);
      tokens.set(
        cluster,
        secret === undefined ? undefined : kubeconfigToken(kubeconfigFromSecret(secret, cluster) ?? ''),
      );
    }
    const witness = new Witness();
    await witness.start();
    await controller?.stop();
    const running = await newController(['--renew-tokens-at=0.000001']);
    await waitFor(
      'both registration tokens renewed and the new watches in use',
      async () => {
        for (const cluster of CLUSTERS) {
          const secret = await mgmt.get(SECRET, cluster, NS);
          const token = secret === undefined ? undefined : kubeconfigToken(kubeconfigFromSecret(secret, cluster) ?? '');
          if (token === undefined || token === tokens.get(cluster)) return false;
        }
        return (running.log().match(/switched to the new watches/g) ?? []).length >= 2;
      },
      60_000,
    );
    await quiet(running);
    witness.stop();
    assert.equal(await deletesCounted(running), 0);
    assert.deepEqual(witness.deleted, []);
    assert.deepEqual(witness.flaps(), []);
    assertKept(before, await inventories(), 'token renewal');
  });

  it('a VirtualMesh turning INVALID keeps default deny and certificates; deleting it removes them', async () => {
    const running = controller ?? assert.fail('no controller');
    const before = await inventories();
    // Accepted by the schema, rejected by validation: the whole VirtualMesh becomes INVALID.
    await mgmt.apply(virtualMesh({ limited: {} }));
    await waitFor('the VirtualMesh says what it keeps', async () => {
      const vm = (await mgmt.get(VIRTUAL_MESH, 'bookinfo', NS)) as
        { status?: { state?: string; errors?: string[] } } | undefined;
      return (
        vm?.status?.state === 'INVALID' &&
        MESHES.every((mesh) =>
          (vm.status?.errors ?? []).some((error) =>
            error.startsWith(`keeping the previously applied default deny and certificates for mesh ${mesh}.${NS}.:`),
          ),
        )
      );
    });
    await quiet(running);
    assert.equal(await deletesCounted(running), 0);
    assertKept(before, await inventories(), 'VirtualMesh INVALID');
    await mgmt.delete(VIRTUAL_MESH, 'bookinfo', NS);
    await waitFor('default deny and certificates removed with the VirtualMesh', async () => {
      for (const [cluster, remote] of remotes) {
        if ((await remote.get(AUTHORIZATION_POLICY, 'global-access-control', 'istio-system')) !== undefined)
          return false;
        const mesh = MESHES[CLUSTERS.indexOf(cluster as 'cluster-1')] ?? '';
        if ((await remote.get(ISSUED_CERTIFICATE, mesh, NS)) !== undefined) return false;
      }
      return true;
    });
    assert.ok((await deletesCounted(running)) > 0);
  });
});

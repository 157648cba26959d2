// A private Mesh Hub estate for chaos, kill and soak tests: three real clusters of its own (mgmt,
// cluster-1, cluster-2), Mesh Hub installed, both workload clusters registered (each optionally
// through a fault proxy) and bookinfo loaded. Private, because these tests stop API servers and
// inject faults that would disturb any other test.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/meta.ts';
import { EXAMPLES_DIR, loadEstateCluster } from '../../src/demo/estate.ts';
import { clientFromKubeconfigFile, type KubeClient } from '../../src/kube/client.ts';
import { ISTIO_OUTPUT_TYPES } from '../../src/kube/resources.ts';
import { startTestEnv, stopTestEnv, type StartOptions, type TestEnvState } from '../../src/testenv/launcher.ts';
import { meshctl, startController, type RunningController } from '../e2e/support.ts';
import { waitFor } from '../testenv/helpers.ts';
import { dumpClusters } from './artifacts.ts';
import { FaultProxy } from './fault-proxy.ts';

export const NS = 'gloo-mesh';
export const WORKLOAD_CLUSTERS = ['cluster-1', 'cluster-2'] as const;
export type WorkloadCluster = (typeof WORKLOAD_CLUSTERS)[number];
/** Any owner label value: the selector the witnesses use for Mesh Hub's outputs. */
export const OWNED = 'owner.networking.mesh.gloo.solo.io';

const VS = ISTIO_OUTPUT_TYPES[0];

export interface MeshEstate {
  readonly workDir: string;
  env: TestEnvState;
  readonly mgmt: KubeClient;
  readonly clients: Record<WorkloadCluster, KubeClient>;
  /** The proxy each workload cluster is registered through, when asked for. */
  readonly proxies: Partial<Record<WorkloadCluster, FaultProxy>>;
  stop(): Promise<void>;
}

/** The API server's serving certificate and key, for a proxy's 5xx bursts. */
export function servingTls(env: TestEnvState, cluster: string): { cert: string; key: string } {
  const info = env.clusters.find((c) => c.name === cluster);
  if (info === undefined) throw new Error(`no cluster ${cluster}`);
  return {
    cert: readFileSync(join(info.logDir, 'serving.crt'), 'utf8'),
    key: readFileSync(join(info.logDir, 'serving.key'), 'utf8'),
  };
}

export async function startMeshEstate(options: {
  readonly proxied?: readonly WorkloadCluster[];
  readonly testenv?: Omit<StartOptions, 'stateDir'>;
}): Promise<MeshEstate> {
  const workDir = mkdtempSync(join(tmpdir(), 'mesh-hub-chaos-'));
  const env = await startTestEnv({ ...options.testenv, stateDir: join(workDir, 'env') });
  const proxies: Partial<Record<WorkloadCluster, FaultProxy>> = {};
  const estate: MeshEstate = {
    workDir,
    env,
    mgmt: clientFromKubeconfigFile('mgmt', env.kubeconfigPath, 'mgmt'),
    clients: {
      'cluster-1': clientFromKubeconfigFile('cluster-1', env.kubeconfigPath, 'cluster-1'),
      'cluster-2': clientFromKubeconfigFile('cluster-2', env.kubeconfigPath, 'cluster-2'),
    },
    proxies,
    async stop() {
      await dumpClusters(estate.env.kubeconfigPath, ['mgmt', ...WORKLOAD_CLUSTERS], 'estate').catch(() => undefined);
      for (const proxy of Object.values(proxies)) await proxy.close();
      await stopTestEnv(estate.env);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
  try {
    const install = await meshctl(['--kubeconfig', env.kubeconfigPath, '--context', 'mgmt', 'install', '--wait=false']);
    if (install.code !== 0) throw new Error(`meshctl install: ${install.stderr}`);
    for (const cluster of WORKLOAD_CLUSTERS) {
      const args = ['cluster', 'register', cluster, '--remote-context', cluster];
      if (options.proxied?.includes(cluster) === true) {
        const server = new URL(estate.clients[cluster].server);
        const proxy = await FaultProxy.start({
          target: { host: server.hostname, port: Number(server.port) },
          tls: servingTls(env, cluster),
        });
        proxies[cluster] = proxy;
        args.push('--api-server-address', proxy.url);
      }
      const register = await meshctl(['--kubeconfig', env.kubeconfigPath, '--context', 'mgmt', ...args]);
      if (register.code !== 0) throw new Error(`meshctl cluster register ${cluster}: ${register.stderr}`);
      await loadEstateCluster(estate.clients[cluster], join(EXAMPLES_DIR, 'bookinfo'), cluster);
    }
  } catch (error) {
    await estate.stop().catch(() => undefined);
    throw error;
  }
  return estate;
}

/** The management plane on an estate's mgmt cluster (4 s Lease), once it reports ready. */
export async function startEstateController(estate: MeshEstate): Promise<RunningController> {
  const controller = await startController({
    kubeconfig: estate.env.kubeconfigPath,
    context: 'mgmt',
    logFile: join(estate.workDir, 'controller.log'),
    leaseDurationSeconds: 4,
  });
  await waitFor('the controller to be ready', () => controller.ready(), 60_000);
  return controller;
}

/** A TrafficPolicy on the ratings service of one cluster, with a request timeout of `seconds`. */
export function timeoutPolicy(name: string, cluster: string, seconds: number): KubeObject {
  return {
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind: 'TrafficPolicy',
    metadata: { name, namespace: NS },
    spec: {
      destinationSelector: [
        { kubeServiceRefs: { services: [{ name: 'ratings', namespace: 'bookinfo', clusterName: cluster }] } },
      ],
      policy: { requestTimeout: `${String(seconds)}s` },
    },
  };
}

/** The request timeout (in seconds) of an output VirtualService, if it is one with a timeout. */
export function timeoutOf(object: KubeObject): number | undefined {
  const http = (object as { spec?: { http?: { timeout?: unknown }[] } }).spec?.http;
  const timeout = http?.[0]?.timeout;
  if (typeof timeout !== 'string' || !timeout.endsWith('s')) return undefined;
  const seconds = Number(timeout.slice(0, -1));
  return Number.isFinite(seconds) ? seconds : undefined;
}

/** The ratings VirtualService's current timeout on a cluster. */
export async function currentTimeout(client: KubeClient): Promise<number | undefined> {
  if (VS === undefined) return undefined;
  const object = await client.get(VS, 'ratings', 'bookinfo');
  return object === undefined ? undefined : timeoutOf(object);
}

/** Percentile (0–100) of a list of numbers, nearest rank; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same fault schedule. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed from MESHHUB_CHAOS_SEED, or a new one (printed by the tests, so a failure can be replayed). */
export function chaosSeed(): number {
  const fromEnv = process.env.MESHHUB_CHAOS_SEED;
  if (fromEnv !== undefined && fromEnv !== '') return Number(fromEnv) >>> 0;
  return (Date.now() ^ (process.pid << 16)) >>> 0;
}

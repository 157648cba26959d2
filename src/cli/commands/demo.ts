// `meshctl demo` / `meshctl demo down`: Mesh Hub's main job on three local clusters. It starts the
// test environment (real kube-apiservers), installs Mesh Hub, registers both workload clusters,
// loads bookinfo with its Istio control planes, runs the management plane, waits for discovery and
// applies an example TrafficPolicy.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_INSTALL_NAMESPACE } from '../../api/labels.ts';
import type { KubeObject } from '../../api/meta.ts';
import { EXAMPLES_DIR, loadEstateCluster } from '../../demo/estate.ts';
import { startDemoMetrics } from '../../demo/metrics.ts';
import { DEFAULT_IMAGE } from '../../install/manifests.ts';
import { clientFromKubeconfigFile, type KubeClient } from '../../kube/client.ts';
import { ownedOutputs, registerCluster } from '../../kube/registration.ts';
import { DESTINATION, LEASE, MESH, WORKLOAD } from '../../kube/resources.ts';
import { LEASE_NAME } from '../../install/defaults.ts';
import { RBAC_WEBHOOK_PATH } from '../../install/rbac-webhook.ts';
import { freePort } from '../../testenv/free-port.ts';
import {
  clusterProcessesAlive,
  isAlive,
  startTestEnv,
  stopProcesses,
  stopTestEnv,
  type TestEnvState,
} from '../../testenv/launcher.ts';
import { CommandError, type CommandIO } from '../context.ts';
import { clientVersion } from '../version.ts';
import { install } from './install.ts';

const WORKLOAD_CLUSTERS = ['cluster-1', 'cluster-2'] as const;
const NS = DEFAULT_INSTALL_NAMESPACE;

export function demoDir(): string {
  return process.env.MESHHUB_DEMO_DIR ?? join(homedir(), '.cache', 'mesh-hub', 'demo');
}

interface DemoState {
  readonly env: TestEnvState;
  readonly controllerPid: number;
  readonly controllerLog: string;
  /** The traffic generator and the Prometheus of each cluster. */
  readonly metricsPids?: readonly number[];
}

function readDemoState(dir: string): DemoState | undefined {
  const file = join(dir, 'demo.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as DemoState;
}

/** The example policy: resilience for ratings in both clusters. */
export const DEMO_POLICY: KubeObject = {
  apiVersion: 'networking.mesh.gloo.solo.io/v1',
  kind: 'TrafficPolicy',
  metadata: { name: 'ratings-resilience', namespace: NS },
  spec: {
    destinationSelector: [{ kubeServiceMatcher: { labels: { app: 'ratings' }, namespaces: ['bookinfo'] } }],
    policy: { requestTimeout: '5s', retries: { attempts: 3, perTryTimeout: '2s' } },
  },
};

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new CommandError(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function startController(env: TestEnvState, logFile: string, webhookPort: number, dashboardPort: number): number {
  const fd = openSync(logFile, 'a', 0o600);
  const child = spawn(
    process.execPath,
    [
      join(import.meta.dirname, '..', '..', '..', 'bin', 'meshhub.js'),
      'controller',
      `--kubeconfig=${env.kubeconfigPath}`,
      '--context=mgmt',
      `--namespace=${NS}`,
      '--listen=127.0.0.1:0',
      `--rbac-webhook-listen=127.0.0.1:${String(webhookPort)}`,
      `--dashboard-listen=127.0.0.1:${String(dashboardPort)}`,
    ],
    { detached: true, stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new CommandError(`could not start the management plane; see ${logFile}`);
  return child.pid;
}

export async function demoUp(io: CommandIO): Promise<void> {
  const dir = demoDir();
  const say = (line: string) => {
    io.stdout(`${line}\n`);
  };
  const existing = readDemoState(dir);
  if (existing !== undefined && existing.env.clusters.every(clusterProcessesAlive)) {
    say(`The demo is already running (state in ${dir}).`);
    say(`  export KUBECONFIG=${existing.env.kubeconfigPath}`);
    say('  Stop it with: npx meshctl demo down');
    return;
  }
  if (existing !== undefined) await demoDown(io, { quiet: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

  say('1/6 Starting three local clusters (mgmt, cluster-1, cluster-2): real kube-apiserver, etcd, controller manager.');
  say(
    '    The first run on a machine builds Kubernetes from source with Go (about 7 minutes); later runs take seconds.',
  );
  const env = await startTestEnv({
    stateDir: join(dir, 'env'),
    log: (line) => {
      say(`    ${line}`);
    },
  });
  let controllerPid: number | undefined;
  const metricsPids: number[] = [];
  try {
    const mgmt = clientFromKubeconfigFile('mgmt', env.kubeconfigPath, 'mgmt');
    say(`2/6 Installing Mesh Hub on mgmt (${elapsed()})`);
    // The management plane runs on this machine: the API server calls its webhook over loopback.
    const webhookPort = await freePort();
    const dashboardPort = await freePort();
    const applied = await install(
      mgmt,
      {
        namespace: NS,
        image: DEFAULT_IMAGE,
        version: clientVersion(),
        replicas: 1,
        rbacWebhookUrl: `https://127.0.0.1:${String(webhookPort)}${RBAC_WEBHOOK_PATH}`,
      },
      () => undefined,
    );
    say(
      `    ${applied.length} objects: CRDs, namespace ${NS}, RBAC, default Settings, the management-plane Deployment, the role-based API webhook (permissive)`,
    );
    say(`3/6 Registering cluster-1 and cluster-2 (${elapsed()})`);
    const remotes = new Map<string, KubeClient>();
    for (const cluster of WORKLOAD_CLUSTERS) {
      const remote = clientFromKubeconfigFile(cluster, env.kubeconfigPath, cluster);
      remotes.set(cluster, remote);
      const result = await registerCluster({
        cluster,
        installNamespace: NS,
        mgmt,
        remote,
        clusterDomain: 'cluster.local',
        tokenLifetimeSeconds: 24 * 3600,
      });
      say(
        `    ${cluster}: ServiceAccount ${NS}/mesh-hub with a least-privilege ClusterRole; token until ${result.tokenExpires}`,
      );
    }
    say(`4/6 Loading bookinfo with an Istio control plane into both clusters (${elapsed()})`);
    for (const [cluster, remote] of remotes) {
      const count = await loadEstateCluster(remote, join(EXAMPLES_DIR, 'bookinfo'), cluster);
      say(`    ${cluster}: ${count} objects (istiod, east-west gateway, bookinfo Deployments and Services)`);
    }
    const metrics = await startDemoMetrics(dir, mgmt, NS, WORKLOAD_CLUSTERS);
    metricsPids.push(...metrics.pids);
    say(`    live traffic: the traffic generator (${metrics.generatorUrl}) and a Prometheus per cluster:`);
    for (const [cluster, url] of Object.entries(metrics.prometheus)) say(`      ${cluster}: ${url}`);
    const controllerLog = join(dir, 'controller.log');
    say(`5/6 Running the management plane (log: ${controllerLog}) and waiting for discovery (${elapsed()})`);
    controllerPid = startController(env, controllerLog, webhookPort, dashboardPort);
    const state: DemoState = { env, controllerPid, controllerLog, metricsPids };
    writeFileSync(join(dir, 'demo.json'), JSON.stringify(state, null, 2), { mode: 0o600 });
    await waitUntil(
      'discovery of both meshes and their destinations',
      async () => {
        const destinations = (await mgmt.list(DESTINATION, { namespace: NS })).items.map((d) => d.metadata.name);
        return ['reviews-bookinfo-cluster-1', 'reviews-bookinfo-cluster-2'].every((d) => destinations.includes(d));
      },
      120_000,
    );
    const meshes = (await mgmt.list(MESH, { namespace: NS })).items;
    const workloads = (await mgmt.list(WORKLOAD, { namespace: NS })).items;
    const destinations = (await mgmt.list(DESTINATION, { namespace: NS })).items;
    say(`    discovered ${meshes.length} meshes, ${workloads.length} workloads, ${destinations.length} destinations`);
    say(`6/6 Applying TrafficPolicy ${NS}/ratings-resilience (timeout 5s, 3 retries) (${elapsed()})`);
    await mgmt.apply(DEMO_POLICY);
    await waitUntil(
      'the VirtualService for ratings in both clusters',
      async () => {
        for (const remote of remotes.values()) {
          if (
            !(await ownedOutputs(remote, NS)).some((o) => o.kind === 'VirtualService' && o.metadata.name === 'ratings')
          )
            return false;
        }
        return true;
      },
      60_000,
    );
    const lease = (await mgmt.get(LEASE, LEASE_NAME, NS)) as { spec?: { holderIdentity?: string } } | undefined;
    say('');
    say(`Mesh Hub is running (${elapsed()}), management plane ${lease?.spec?.holderIdentity ?? ''}.`);
    say('Discovered on mgmt:');
    for (const mesh of meshes) say(`  Mesh         ${mesh.metadata.name}`);
    for (const destination of destinations) say(`  Destination  ${destination.metadata.name}`);
    say('Written to the workload clusters:');
    for (const [cluster, remote] of remotes) {
      for (const object of await ownedOutputs(remote, NS)) {
        say(`  ${cluster}  ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`);
      }
    }
    say('');
    say('Try it:');
    say(`  export KUBECONFIG=${env.kubeconfigPath}`);
    say('  npx meshctl --context mgmt check');
    say('  npx meshctl --context mgmt cluster list');
    say('  npx meshctl --context mgmt top destinations');
    say(
      `  the dashboard: http://127.0.0.1:${String(dashboardPort)}/ (sign in with the token of the mgmt user in that kubeconfig), or npx meshctl --context mgmt dashboard`,
    );
    say(`  ${env.binary} kubectl --context cluster-1 -n bookinfo get virtualservice ratings -o yaml`);
    say('Stop it with: npx meshctl demo down');
  } catch (error) {
    if (controllerPid !== undefined) await stopProcesses([controllerPid]);
    await stopProcesses(metricsPids);
    await stopTestEnv(env, { removeState: true });
    rmSync(join(dir, 'demo.json'), { force: true });
    throw error;
  }
}

export async function demoDown(io: CommandIO, options: { quiet?: boolean } = {}): Promise<void> {
  const dir = demoDir();
  const state = readDemoState(dir);
  if (state === undefined) {
    if (options.quiet !== true) io.stdout(`No demo is running (nothing in ${dir}).\n`);
    return;
  }
  if (isAlive(state.controllerPid)) await stopProcesses([state.controllerPid]);
  await stopProcesses((state.metricsPids ?? []).filter(isAlive));
  await stopTestEnv(state.env, { removeState: true });
  rmSync(dir, { recursive: true, force: true });
  if (options.quiet !== true) io.stdout('The demo is stopped: management plane and clusters are gone.\n');
}

export function demoUpAction(io: CommandIO) {
  return async () => {
    await demoUp(io);
  };
}

export function demoDownAction(io: CommandIO) {
  return async () => {
    await demoDown(io);
  };
}

// Apply-to-output latency on the real test environment (DESIGN.md §5: p99 under 1 s):
// from the response to an apply of a TrafficPolicy on the management cluster to the changed
// VirtualService seen by a watch on the workload cluster, over many changes.
//   node bench/latency.ts [--changes 60]
// Starts its own clusters (built and cached by the test environment), installs Mesh Hub, registers
// two clusters, loads bookinfo and runs the management plane as a separate process.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Watch } from '@kubernetes/client-node';
import type { KubeObject } from '../src/api/meta.ts';
import { install } from '../src/cli/commands/install.ts';
import { EXAMPLES_DIR, loadEstateCluster } from '../src/demo/estate.ts';
import { DEFAULT_IMAGE } from '../src/install/manifests.ts';
import { clientFromKubeconfigFile } from '../src/kube/client.ts';
import { registerCluster } from '../src/kube/registration.ts';
import { DESTINATION } from '../src/kube/resources.ts';
import { startTestEnv, stopProcesses, stopTestEnv } from '../src/testenv/launcher.ts';

const args = process.argv.slice(2);
const changesIndex = args.indexOf('--changes');
const changes = changesIndex === -1 ? 60 : Number(args[changesIndex + 1]);
const NS = 'gloo-mesh';

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const work = mkdtempSync(join(tmpdir(), 'mesh-hub-latency-'));
const env = await startTestEnv({ stateDir: join(work, 'env') });
let controllerPid: number | undefined;
try {
  const mgmt = clientFromKubeconfigFile('mgmt', env.kubeconfigPath, 'mgmt');
  await install(mgmt, { namespace: NS, image: DEFAULT_IMAGE, version: 'bench', replicas: 1 }, () => undefined);
  const clusters = ['cluster-1', 'cluster-2'] as const;
  for (const cluster of clusters) {
    const remote = clientFromKubeconfigFile(cluster, env.kubeconfigPath, cluster);
    await registerCluster({
      cluster,
      installNamespace: NS,
      mgmt,
      remote,
      clusterDomain: 'cluster.local',
      tokenLifetimeSeconds: 3600,
    });
    await loadEstateCluster(remote, join(EXAMPLES_DIR, 'bookinfo'), cluster);
  }
  const logFd = openSync(join(work, 'controller.log'), 'a', 0o600);
  const child = spawn(
    process.execPath,
    [
      join(import.meta.dirname, '..', 'bin', 'meshhub.js'),
      'controller',
      `--kubeconfig=${env.kubeconfigPath}`,
      '--context=mgmt',
      '--listen=127.0.0.1:0',
    ],
    { detached: true, stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  controllerPid = child.pid;
  await waitFor('discovery', async () =>
    (await mgmt.list(DESTINATION, { namespace: NS })).items.some(
      (d) => d.metadata.name === 'ratings-bookinfo-cluster-1',
    ),
  );

  // Watch the workload cluster's VirtualServices and note when each timeout value first appears.
  const seen = new Map<string, number>();
  const c1 = clientFromKubeconfigFile('cluster-1', env.kubeconfigPath, 'cluster-1');
  const watch = new Watch(c1.kubeConfig);
  const abort = await watch.watch(
    '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices',
    {},
    (_phase: string, object: { metadata?: { name?: string }; spec?: { http?: { timeout?: string }[] } }) => {
      const timeout = object.spec?.http?.[0]?.timeout;
      if (object.metadata?.name === 'ratings' && timeout !== undefined && !seen.has(timeout))
        seen.set(timeout, performance.now());
    },
    () => undefined,
  );
  const policy = (timeout: string): KubeObject => ({
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind: 'TrafficPolicy',
    metadata: { name: 'latency', namespace: NS },
    spec: {
      destinationSelector: [
        { kubeServiceRefs: { services: [{ name: 'ratings', namespace: 'bookinfo', clusterName: 'cluster-1' }] } },
      ],
      policy: { requestTimeout: timeout },
    },
  });
  // Warm-up: the first translation and the watch connection.
  await mgmt.apply(policy('1000ms'));
  await waitFor('the first VirtualService', () => Promise.resolve(seen.has('1000ms')));

  const latencies: number[] = [];
  for (let i = 1; i <= changes; i++) {
    const timeout = `${1000 + i}ms`;
    await mgmt.apply(policy(timeout));
    const applied = performance.now();
    await waitFor(`change ${String(i)}`, () => Promise.resolve(seen.has(timeout)), 10_000);
    latencies.push((seen.get(timeout) ?? applied) - applied);
    // Changes spaced out like human edits, so each one is its own reconcile.
    await new Promise((r) => setTimeout(r, 100));
  }
  abort.abort();
  const sorted = [...latencies].sort((a, b) => a - b);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `machine: ${String(cpus().length)} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}`,
  );
  console.log(
    `apply → output latency (TrafficPolicy on mgmt → VirtualService in cluster-1, real API servers, 2 registered clusters, bookinfo):`,
  );
  console.log(
    `  ${String(sorted.length)} changes: p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms, min ${(sorted[0] ?? 0).toFixed(0)} ms, max ${(sorted.at(-1) ?? 0).toFixed(0)} ms`,
  );
} finally {
  if (controllerPid !== undefined) await stopProcesses([controllerPid]);
  await stopTestEnv(env);
  rmSync(work, { recursive: true, force: true });
}

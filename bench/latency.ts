// Apply-to-output latency on the real test environment (DESIGN.md §5: p99 under 1 s): from the
// response to an apply of a TrafficPolicy on the management cluster to the changed VirtualService
// seen by a watch on the workload cluster, over many changes, with a large estate loaded.
//   node bench/latency.ts [--changes 60] [--estate-destinations 500] [--controller-heap-mb 4096]
// Starts its own clusters (built and cached by the test environment), installs Mesh Hub, registers
// two clusters, loads bookinfo and an estate of N Destinations spread over both (live-estate.ts),
// then starts the management plane as a separate process, waits until it has discovered all of
// them, and measures. `npm run bench` runs it with 10,000 Destinations.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Watch } from '@kubernetes/client-node';
import type { KubeObject } from '../src/api/meta.ts';
import { install } from '../src/cli/commands/install.ts';
import { EXAMPLES_DIR, loadEstateCluster } from '../src/demo/estate.ts';
import { DEFAULT_IMAGE } from '../src/install/manifests.ts';
import { clientFromKubeconfigFile, type KubeClient } from '../src/kube/client.ts';
import { registerCluster } from '../src/kube/registration.ts';
import { DESTINATION, WORKLOAD, resourcePath, type ResourceType } from '../src/kube/resources.ts';
import { startTestEnv, stopProcesses, stopTestEnv } from '../src/testenv/launcher.ts';
import { createEstate, liveEstate } from './live-estate.ts';

function flag(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  const index = args.indexOf(name);
  if (index === -1) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} ${String(args[index + 1])}: not a count`);
  return value;
}
const changes = flag('--changes', 60);
// Small by default so a quick run stays quick; `npm run bench` asks for 10,000.
const estateDestinations = flag('--estate-destinations', 500);
const heapMb = flag('--controller-heap-mb', 4096);
const LOAD_CONCURRENCY = 8;
const NS = 'gloo-mesh';

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** How many objects of a type the namespace holds, from one list of one item (the server counts the rest). */
async function countOf(client: KubeClient, type: ResourceType): Promise<number> {
  const list = await client.request<{ items?: unknown[]; metadata?: { remainingItemCount?: number } }>(
    'GET',
    `${resourcePath(type, NS)}?limit=1`,
  );
  return (list.items?.length ?? 0) + (list.metadata?.remainingItemCount ?? 0);
}

/** The names of every object of a type in the namespace, page by page. */
async function namesOf(client: KubeClient, type: ResourceType): Promise<string[]> {
  const names: string[] = [];
  let next: string | undefined;
  do {
    const page = await client.list(type, {
      namespace: NS,
      limit: 500,
      ...(next === undefined ? {} : { continue: next }),
    });
    names.push(...page.items.map((item) => item.metadata.name));
    next = page.metadata.continue;
  } while (next !== undefined && next !== '');
  return names;
}

interface PassLine {
  readonly time: number;
  readonly durationMs: number;
  readonly written: number;
  readonly destinations: number;
}

/** The management plane's `reconciled` log lines (JSON lines, one per pass) and any error lines. */
function readControllerLog(path: string): { passes: PassLine[]; errors: string[] } {
  const passes: PassLine[] = [];
  const errors: string[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as Partial<PassLine> & { msg?: string; level?: number };
    if (entry.msg === 'reconciled')
      passes.push({
        time: entry.time ?? 0,
        durationMs: entry.durationMs ?? 0,
        written: entry.written ?? 0,
        destinations: entry.destinations ?? 0,
      });
    else if ((entry.level ?? 0) >= 40) errors.push(line.slice(0, 300));
  }
  return { passes, errors };
}

/** Peak resident memory of a process, from /proc (Linux). */
function peakRssMiB(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const work = mkdtempSync(join(tmpdir(), 'mesh-hub-latency-'));
const env = await startTestEnv({ stateDir: join(work, 'env') });
let controllerPid: number | undefined;
try {
  const mgmt = clientFromKubeconfigFile('mgmt', env.kubeconfigPath, 'mgmt');
  await install(mgmt, { namespace: NS, image: DEFAULT_IMAGE, version: 'bench', replicas: 1 }, () => undefined);
  const clusters = ['cluster-1', 'cluster-2'] as const;
  const remotes = new Map<string, KubeClient>();
  for (const cluster of clusters) {
    const remote = clientFromKubeconfigFile(cluster, env.kubeconfigPath, cluster);
    remotes.set(cluster, remote);
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

  // The estate, created before the management plane starts: discovery then takes it in from its
  // first lists, as after a restart or a failover.
  const estate = liveEstate(estateDestinations, clusters);
  const total = [...estate.objects.values()].reduce((sum, objects) => sum + objects.length, 0);
  const loadStarted = performance.now();
  // A long run says where it is (stderr), so a slow machine's partial figures are not lost.
  const progress = { created: 0 };
  const ticker = setInterval(() => {
    console.error(
      `[${seconds(performance.now() - loadStarted)}] created ${String(progress.created)} of ${String(total)}`,
    );
  }, 30_000);
  const created = await Promise.all(
    [...remotes].map(([cluster, remote]) =>
      createEstate(remote, estate.objects.get(cluster) ?? [], LOAD_CONCURRENCY, progress),
    ),
  ).finally(() => {
    clearInterval(ticker);
  });
  const loadMs = performance.now() - loadStarted;
  console.error(`[${seconds(loadMs)}] created ${String(total)} objects; starting the management plane`);

  const logPath = join(work, 'controller.log');
  const logFd = openSync(logPath, 'a', 0o600);
  const spawned = Date.now();
  const child = spawn(
    process.execPath,
    [
      `--max-old-space-size=${String(heapMb)}`,
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
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = `the management plane exited (${signal ?? `code ${String(code)}`}); its log: ${logPath}`;
  });

  // Discovered means: the management cluster holds as many Destinations as the last pass wanted,
  // and at least the estate's. Sampled every 2 s, to see where the time goes.
  const samples: { at: number; destinations: number }[] = [];
  let destinationsSeen = 0;
  await waitFor(
    'discovery of the estate',
    async () => {
      if (exited !== undefined) throw new Error(exited);
      destinationsSeen = await countOf(mgmt, DESTINATION);
      samples.push({ at: Date.now() - spawned, destinations: destinationsSeen });
      if (samples.length % 15 === 0)
        console.error(`[${seconds(Date.now() - spawned)} after start] ${String(destinationsSeen)} Destinations`);
      const last = readControllerLog(logPath).passes.at(-1);
      return destinationsSeen > estate.destinations && last !== undefined && last.destinations === destinationsSeen;
    },
    Math.max(300_000, estate.destinations * 200),
    2000,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)} (${String(destinationsSeen)} Destinations so far)`, { cause: error });
  });
  const discoveryMs = Date.now() - spawned;
  // Correct as well as fast: every estate Service became exactly one Destination, every Deployment a Workload.
  const destinationNames = await namesOf(mgmt, DESTINATION);
  const estateFound = destinationNames.filter((name) => /^svc-\d+-ns-\d+-cluster-\d+$/.test(name)).length;
  const workloadNames = await namesOf(mgmt, WORKLOAD);
  const estateWorkloads = workloadNames.filter((name) =>
    /^svc-\d+-v1-ns-\d+-cluster-\d+-deployment$/.test(name),
  ).length;
  if (estateFound !== estate.destinations || estateWorkloads !== estate.workloads)
    throw new Error(
      `discovery is not complete: ${String(estateFound)} of ${String(estate.destinations)} estate Destinations, ${String(estateWorkloads)} of ${String(estate.workloads)} Workloads`,
    );
  const discoveryLog = readControllerLog(logPath);

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
  await waitFor('the first VirtualService', () => Promise.resolve(seen.has('1000ms')), 120_000);

  const latencies: number[] = [];
  for (let i = 1; i <= changes; i++) {
    if (exited !== undefined) throw new Error(exited);
    const timeout = `${String(1000 + i)}ms`;
    await mgmt.apply(policy(timeout));
    const applied = performance.now();
    await waitFor(`change ${String(i)}`, () => Promise.resolve(seen.has(timeout)), 30_000);
    latencies.push((seen.get(timeout) ?? applied) - applied);
    // Changes spaced out like human edits, so each one is its own reconcile.
    await new Promise((r) => setTimeout(r, 100));
  }
  abort.abort();
  // Still whole after the changes: no Destination lost on the way.
  const after = await countOf(mgmt, DESTINATION);
  if (after !== destinationsSeen)
    throw new Error(`Destinations went from ${String(destinationsSeen)} to ${String(after)}`);

  const sorted = [...latencies].sort((a, b) => a - b);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const { passes, errors } = readControllerLog(logPath);
  const firstPass = discoveryLog.passes[0];
  const longest = [...discoveryLog.passes].sort((a, b) => b.durationMs - a.durationMs)[0];
  const changePasses = passes
    .slice(discoveryLog.passes.length)
    .map((p) => p.durationMs)
    .sort((a, b) => a - b);
  const rss = controllerPid === undefined ? undefined : peakRssMiB(controllerPid);
  console.log(
    `machine: ${String(cpus().length)} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (shared with other work: figures are indicative)`,
  );
  console.log(
    `estate: ${String(estate.destinations)} Services (+ ${String(estate.workloads)} paused Deployments) over ${String(clusters.length)} workload clusters, besides bookinfo; ${String(created.reduce((a, b) => a + b, 0))} objects created in ${seconds(loadMs)} (${String(LOAD_CONCURRENCY)} requests in flight per cluster)`,
  );
  console.log(
    `discovery: ${String(destinationsSeen)} Destinations and ${String(workloadNames.length)} Workloads on the management cluster ${seconds(discoveryMs)} after the management plane started (heap limit ${String(heapMb)} MiB, peak RSS ${rss === undefined ? 'unknown' : `${rss.toFixed(0)} MiB`})`,
  );
  if (firstPass !== undefined && longest !== undefined)
    console.log(
      `  where the time went: first pass done ${seconds(firstPass.time - spawned)} after start (${seconds(firstPass.durationMs)}, ${String(firstPass.written)} writes, ${String(firstPass.destinations)} Destinations); ${String(discoveryLog.passes.length)} passes until discovered, the longest ${seconds(longest.durationMs)} with ${String(longest.written)} writes`,
    );
  const curve = samples.filter(
    (_, i) => i % Math.max(1, Math.ceil(samples.length / 8)) === 0 || i === samples.length - 1,
  );
  console.log(
    `  Destinations over time: ${curve.map((s) => `${seconds(s.at)}: ${String(s.destinations)}`).join(', ')}`,
  );
  console.log(
    `apply → output latency (TrafficPolicy on mgmt → VirtualService in cluster-1, real API servers, 2 registered clusters, bookinfo + ${String(estate.destinations)} Destinations):`,
  );
  console.log(
    `  ${String(sorted.length)} changes: p50 ${percentile(sorted, 50).toFixed(0)} ms, p90 ${percentile(sorted, 90).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms, min ${(sorted[0] ?? 0).toFixed(0)} ms, max ${(sorted.at(-1) ?? 0).toFixed(0)} ms`,
  );
  if (changePasses.length > 0)
    console.log(
      `  the management plane's passes for them: median ${percentile(changePasses, 50).toFixed(0)} ms, p99 ${percentile(changePasses, 99).toFixed(0)} ms (${String(changePasses.length)} passes)`,
    );
  if (errors.length > 0) console.log(`  warnings in its log (${String(errors.length)}), the first: ${errors[0] ?? ''}`);
} finally {
  if (controllerPid !== undefined) await stopProcesses([controllerPid]);
  await stopTestEnv(env);
  rmSync(work, { recursive: true, force: true });
}

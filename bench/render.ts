// Full render benchmark (discovery + policy translation + status) at DESIGN.md §5 scale.
//   node bench/render.ts                     bench/estate.ts's estate plus 1,000 TrafficPolicies,
//                                            500 AccessPolicies and one federating VirtualMesh
//   node bench/render.ts --mixed-meshes      the same with a third of the clusters on Linkerd and OSM
//                                            (bench/estate.ts), the VirtualMesh over the Istio ones
//   node bench/render.ts --input DIR         any estate in the render layout (e.g. the output of
//                                            ../shared/bench/estate.mjs), read from files
//   node bench/render.ts --runs 7 --traffic-policies 1000 --access-policies 500
// Prints the machine, input and output sizes, the median wall time of each step over the runs
// (each run starts after a full garbage collection) and memory: this process's, and the render's
// own, measured in a child process that holds the same input without the parser's or generator's
// garbage (see probeMemory).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { KubeObject } from '../src/api/meta.ts';
import { discover } from '../src/discovery/discover.ts';
import { renderNetworking } from '../src/networking/render-step.ts';
import { checkManagement, networkingEntries, render, typedManagement } from '../src/pipeline/render.ts';
import type { InputObject, InputSnapshot } from '../src/snapshot/input.ts';
import { loadInputTree } from '../src/snapshot/load.ts';
import { DESIGN_ESTATE, generateEstate, type EstateSize } from './estate.ts';
import { managementObjects } from './estate-policies.ts';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const runs = Number(option('--runs') ?? 5);
const inputDir = option('--input');
const trafficPolicyCount = Number(option('--traffic-policies') ?? 1000);
const accessPolicyCount = Number(option('--access-policies') ?? 500);
const estateSize: EstateSize = args.includes('--mixed-meshes')
  ? { ...DESIGN_ESTATE, mixedMeshes: true }
  : DESIGN_ESTATE;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function timed<T>(fn: () => T): { ms: number; result: T } {
  const t0 = performance.now();
  const result = fn();
  return { ms: performance.now() - t0, result };
}

function countBy(objects: readonly KubeObject[]): string {
  const counts = new Map<string, number>();
  for (const object of objects) counts.set(object.kind, (counts.get(object.kind) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([kind, n]) => `${String(n)} ${kind}`)
    .join(', ');
}

/** A full garbage collection, so that each measurement starts from the same heap. */
const collectGarbage: () => void = (() => {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

const MiB = 2 ** 20;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;

/**
 * The process's peak resident memory since the last resetPeakMemory(). On Linux the peak can be
 * reset (/proc/self/clear_refs), so a render's peak is measured apart from loading the input;
 * elsewhere it is the peak of the whole process.
 */
function peakMemory(): number {
  return process.resourceUsage().maxRSS * 1024;
}
function resetPeakMemory(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * The render's memory, measured apart from whatever made the input: a child process reads the same
 * snapshot from a v8.serialize file (compact, no parser garbage), collects garbage, and reports its
 * resident memory holding the input, then its peak over full renders. It reports its render times
 * too: they are those of an input held as compactly as objects parsed from JSON are.
 */
function probeMemory(file: string): void {
  const snapshot = deserialize(readFileSync(file)) as InputSnapshot;
  collectGarbage();
  const held = process.memoryUsage();
  const times: number[] = [];
  const peaks: number[] = [];
  for (let i = 0; i <= runs; i++) {
    collectGarbage();
    resetPeakMemory();
    const ms = timed(() => render(snapshot)).ms;
    // The first render warms the JIT up; its peak counts, its time does not.
    if (i > 0) times.push(ms);
    peaks.push(peakMemory());
  }
  const peak = Math.max(...peaks);
  console.log(
    JSON.stringify({
      heldRss: held.rss,
      heldHeap: held.heapUsed,
      peak,
      medianMs: median(times),
      minMs: Math.min(...times),
    }),
  );
}

const probeFile = option('--memory-probe');
if (probeFile !== undefined) {
  probeMemory(probeFile);
  process.exit(0);
}

console.log(
  `machine: ${String(cpus().length)} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
);
const loaded = timed((): InputSnapshot => {
  if (inputDir !== undefined) return loadInputTree(inputDir, { installNamespace: 'gloo-mesh' });
  const estate = generateEstate(estateSize);
  const mgmt: InputObject[] = managementObjects(estateSize, trafficPolicyCount, accessPolicyCount).map((object) => ({
    object,
    source: {},
  }));
  return { ...estate, mgmt: [...estate.mgmt, ...mgmt] };
});
const snapshot = loaded.result;
const clusterObjects = [...snapshot.clusters.values()].reduce((n, list) => n + list.length, 0);
console.log(
  `input: ${inputDir ?? `generated estate ${JSON.stringify(estateSize)}`} (${inputDir === undefined ? 'generated' : 'read and parsed'} in ${loaded.ms.toFixed(0)} ms)`,
);
console.log(`  clusters: ${String(snapshot.clusters.size)}, objects in clusters: ${String(clusterObjects)}`);
console.log(`  management objects: ${countBy(snapshot.mgmt.map((i) => i.object))}`);

const management = typedManagement(networkingEntries(checkManagement(snapshot)));
// What loading or generating the input cost is not the render's: it is reported apart.
const loadPeak = peakMemory();
collectGarbage();
const held = process.memoryUsage();
const canReset = resetPeakMemory();

// The first render of the process, before the JIT has seen the code.
const coldMs = timed(() => render(snapshot)).ms;

// Each step on its own, then the full render; every measurement starts after a full collection,
// so no run pays for the garbage of the one before, and no result outlives its run.
const discoveryTimes: number[] = [];
const networkingTimes: number[] = [];
const renderTimes: number[] = [];
const renderPeaks: number[] = [];
const measureSteps = () => {
  collectGarbage();
  const d = timed(() => discover(snapshot));
  discoveryTimes.push(d.ms);
  collectGarbage();
  networkingTimes.push(
    timed(() => renderNetworking(snapshot.installNamespace, snapshot.clusters, management, d.result)).ms,
  );
};
const measureRender = () => {
  collectGarbage();
  resetPeakMemory();
  renderTimes.push(timed(() => render(snapshot)).ms);
  renderPeaks.push(peakMemory());
};
for (let i = 0; i < runs; i++) {
  measureSteps();
  measureRender();
}

const discovered = discover(snapshot);
const networking = renderNetworking(snapshot.installNamespace, snapshot.clusters, management, discovered);
const meshTypes = new Map<string, number>();
for (const mesh of discovered.detected.meshes) meshTypes.set(mesh.type, (meshTypes.get(mesh.type) ?? 0) + 1);
console.log(
  `discovered: ${String(discovered.meshes.length)} Meshes (${[...meshTypes].map(([type, n]) => `${String(n)} ${type}`).join(', ')}), ${String(discovered.workloads.length)} Workloads, ${String(discovered.destinations.length)} Destinations`,
);
const outputs = [...networking.outputs.values()].flat();
console.log(`translated: ${countBy(outputs)} in ${String(networking.outputs.size)} clusters`);
const statusBytes = [...networking.statuses.values()].reduce(
  (n, o) => n + JSON.stringify((o as { status?: unknown }).status ?? {}).length,
  0,
);
const outputBytes = outputs.reduce((n, o) => n + JSON.stringify(o).length, 0);
console.log(
  `  output size: ${(outputBytes / MiB).toFixed(1)} MiB of objects, ${(statusBytes / MiB).toFixed(1)} MiB of status (as JSON)`,
);
const fmt = (list: readonly number[]) =>
  `median ${median(list).toFixed(0)} ms (min ${Math.min(...list).toFixed(0)}, max ${Math.max(...list).toFixed(0)}, ${String(list.length)} runs)`;
console.log(`discovery:                                  ${fmt(discoveryTimes)}`);
console.log(`policy validation, translation and status:  ${fmt(networkingTimes)}`);
console.log(`full render (schema checks + both):         ${fmt(renderTimes)}`);
console.log(`first full render of the process (cold):    ${coldMs.toFixed(0)} ms`);
console.log(
  `memory of this process: input snapshot held ${mib(held.rss)} resident (${mib(held.heapUsed)} of heap) after ${inputDir === undefined ? 'generating' : 'reading and parsing'} it and a full collection; peak ${mib(loadPeak)} while ${inputDir === undefined ? 'generating' : 'reading and parsing'} it${canReset ? `, ${mib(Math.max(...renderPeaks))} during full renders` : ''}`,
);

// The render's own memory, in a child process that never ran the generator or the file parser.
const probeDir = mkdtempSync(join(tmpdir(), 'mesh-hub-bench-'));
try {
  const file = join(probeDir, 'snapshot.v8');
  writeFileSync(file, serialize(snapshot));
  const child = spawnSync(process.execPath, [import.meta.filename, '--memory-probe', file, '--runs', String(runs)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 2 ** 20,
  });
  const probe = JSON.parse(child.stdout) as {
    heldRss: number;
    heldHeap: number;
    peak: number;
    medianMs: number;
    minMs: number;
  };
  console.log(
    `render memory (child process holding the same input, deserialized from v8.serialize): input ${mib(probe.heldRss)} resident (${mib(probe.heldHeap)} of heap)`,
  );
  if (canReset) {
    console.log(
      `  peak resident during full renders: ${mib(probe.peak)}, of which ${mib(probe.peak - probe.heldRss)} above the input held`,
    );
  }
  console.log(
    `  full render there: median ${probe.medianMs.toFixed(0)} ms (min ${probe.minMs.toFixed(0)}, ${String(runs)} runs)`,
  );
} finally {
  rmSync(probeDir, { recursive: true, force: true });
}

// `npm run bench`: Mesh Hub's benchmarks, with the machine and input sizes in the output.
//   npm run bench                       the generated DESIGN.md §5 estate
//   npm run bench -- --input DIR        any estate in the render layout (e.g. ../shared/bench/estate.mjs output)
//   npm run bench -- --runs 7
import { cpus, totalmem } from 'node:os';
import { discover } from '../src/discovery/discover.ts';
import { render } from '../src/pipeline/render.ts';
import { loadInputTree } from '../src/snapshot/load.ts';
import type { InputSnapshot } from '../src/snapshot/input.ts';
import { DESIGN_ESTATE, generateEstate } from './estate.ts';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const runs = Number(option('--runs') ?? 5);
const input = option('--input');

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function time<T>(fn: () => T): { ms: number; result: T } {
  const t0 = performance.now();
  const result = fn();
  return { ms: performance.now() - t0, result };
}

console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
);
const load = time((): InputSnapshot =>
  input === undefined ? generateEstate() : loadInputTree(input, { installNamespace: 'gloo-mesh' }),
);
const snapshot = load.result;
const objectCount = [...snapshot.clusters.values()].reduce((n, list) => n + list.length, 0) + snapshot.mgmt.length;
console.log(
  `input: ${input ?? `generated estate ${JSON.stringify(DESIGN_ESTATE)}`}: ${snapshot.clusters.size} clusters, ${objectCount} objects, ${snapshot.mgmt.length} management objects (${input === undefined ? 'generated' : 'read and parsed'} in ${load.ms.toFixed(0)} ms)`,
);

const discovery = time(() => discover(snapshot));
console.log(
  `discovered: ${discovery.result.meshes.length} meshes, ${discovery.result.workloads.length} workloads, ${discovery.result.destinations.length} destinations`,
);
const discoveryTimes = [discovery.ms];
for (let i = 1; i < runs; i++) discoveryTimes.push(time(() => discover(snapshot)).ms);
const renderTimes: number[] = [];
for (let i = 0; i < runs; i++) renderTimes.push(time(() => render(snapshot)).ms);
const fmt = (list: readonly number[]) =>
  `median ${median(list).toFixed(0)} ms (min ${Math.min(...list).toFixed(0)}, max ${Math.max(...list).toFixed(0)}, ${list.length} runs)`;
console.log(`discovery:               ${fmt(discoveryTimes)}`);
console.log(`render (whole pure core): ${fmt(renderTimes)}`);
console.log(`peak resident memory: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);

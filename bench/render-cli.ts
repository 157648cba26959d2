// `meshctl render --input DIR --output OUT` end to end, as a user runs it: the real CLI as a child
// process, reading, rendering and writing included (DESIGN.md §5: the reference estate in < 3 s and
// < 1 GiB).
//   node bench/render-cli.ts                 the reference estate (../shared/bench/estate.mjs, written
//                                            to a temporary folder), else bench/estate.ts's clusters
//   node bench/render-cli.ts --input DIR     any estate in the render layout
//   node bench/render-cli.ts --runs 5
// Prints the machine, the input's files and bytes, then the median over the runs of the wall time
// (total, and read / render / write as the CLI reports them with MESHHUB_RENDER_TIMINGS=1), the CPU
// time and the peak resident memory of the child (from its resource usage), and the output's size.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { generateEstate } from './estate.ts';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const runs = Math.max(3, Number(option('--runs') ?? 3));
const root = join(import.meta.dirname, '..');
const main = join(root, 'src', 'cli', 'main.ts');
const referenceGenerator = join(root, '..', 'shared', 'bench', 'estate.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'meshhub-render-cli-'));

/** The estate to read: --input, the reference estate, or bench/estate.ts's clusters as JSON lists. */
function inputFolder(): { dir: string; what: string } {
  const given = option('--input');
  if (given !== undefined) return { dir: given, what: given };
  const dir = join(scratch, 'input');
  if (existsSync(referenceGenerator)) {
    const run = spawnSync(process.execPath, [referenceGenerator, '--out', dir], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${referenceGenerator} failed: ${run.stderr}`);
    return { dir, what: 'the reference estate (../shared/bench/estate.mjs, defaults)' };
  }
  for (const [cluster, objects] of generateEstate().clusters) {
    mkdirSync(join(dir, 'clusters', cluster), { recursive: true });
    const items = objects.map((input) => JSON.stringify(input.object));
    writeFileSync(
      join(dir, 'clusters', cluster, 'objects.json'),
      `{"apiVersion":"v1","kind":"List","items":[\n${items.join(',\n')}\n]}\n`,
    );
  }
  return { dir, what: "bench/estate.ts's clusters (no policies)" };
}

function sizeOf(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files += 1;
    bytes += statSync(join(entry.parentPath, entry.name)).size;
  }
  return { files, bytes };
}

interface Sample {
  readonly totalMs: number;
  readonly phases: Readonly<Record<string, number>>;
  readonly cpuMs: number;
  readonly maxRssKiB: number;
}

/** One run of the CLI; its peak memory and CPU time come from a wrapper that reads its own usage at exit. */
function runOnce(input: string, output: string): Sample {
  // process.resourceUsage() of the child itself: the wrapper imports the CLI in its own process.
  const wrapper = `const { main } = await import(${JSON.stringify(main)});
process.on('exit', () => { const u = process.resourceUsage();
  process.stderr.write('usage: ' + JSON.stringify({ maxRSS: u.maxRSS, cpu: (u.userCPUTime + u.systemCPUTime) / 1000 }) + '\\n'); });
process.argv = [process.argv[0], 'meshctl', ...process.argv.slice(1)];
await main();`;
  const started = performance.now();
  const run = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', wrapper, 'render', '--input', input, '--output', output],
    { encoding: 'utf8', env: { ...process.env, MESHHUB_RENDER_TIMINGS: '1' }, maxBuffer: 64 * 2 ** 20 },
  );
  const totalMs = performance.now() - started;
  if (run.status !== 0) throw new Error(`meshctl render failed (exit ${String(run.status)}): ${run.stderr}`);
  const phases: Record<string, number> = {};
  for (const [, phase, ms] of (/^timings: (.*)$/m.exec(run.stderr)?.[1] ?? '').matchAll(/(\w+) (\d+) ms/g)) {
    if (phase !== undefined && ms !== undefined) phases[phase] = Number(ms);
  }
  const usage = /^usage: (.*)$/m.exec(run.stderr)?.[1];
  const parsed: unknown = usage === undefined ? undefined : JSON.parse(usage);
  const field = (name: string) =>
    typeof parsed === 'object' && parsed !== null && name in parsed ? Number(Reflect.get(parsed, name)) : NaN;
  return { totalMs, phases, cpuMs: field('cpu'), maxRssKiB: field('maxRSS') };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

const MiB = 2 ** 20;
try {
  const { dir, what } = inputFolder();
  const input = sizeOf(dir);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`meshctl render, end to end (${String(runs)} runs, median)`);
  console.log(
    `machine: ${String(cpus().length)} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load average ${loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}`,
  );
  console.log(`input: ${what}: ${String(input.files)} files, ${(input.bytes / MiB).toFixed(1)} MiB`);
  const samples: Sample[] = [];
  const output = join(scratch, 'output');
  for (let i = 0; i < runs; i++) samples.push(runOnce(dir, output));
  const out = sizeOf(output);
  console.log(`output: ${String(out.files)} files, ${(out.bytes / MiB).toFixed(1)} MiB`);
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  const phases = ['read', 'render', 'write'].map(
    (phase) => `${phase} ${ms(median(samples.map((sample) => sample.phases[phase] ?? NaN)))}`,
  );
  console.log(`total: ${ms(median(samples.map((sample) => sample.totalMs)))} (${phases.join(', ')})`);
  console.log(`cpu time: ${ms(median(samples.map((sample) => sample.cpuMs)))} (user + system)`);
  console.log(`peak RSS: ${(median(samples.map((sample) => sample.maxRssKiB)) / 1024).toFixed(0)} MiB`);
  console.log(`runs: ${samples.map((sample) => ms(sample.totalMs)).join(', ')}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

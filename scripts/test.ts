// The test command (`npm test`): every tier, with its time, and one closing count line.
//   npm test                     checks, unit, integration, browser, package, secrets
//   npm test -- unit checks      only the named tiers
//   npm run chaos / npm run soak  the chaos or soak tier, then the secret scan
//   npm run soak -- --minutes 60  a longer soak (default 8; MESHHUB_SOAK_MINUTES also sets it)
// Tiers: checks (type-check, lint, format, generated-file drift), unit (pure code and golden
// files), integration (kube layer, controllers and meshctl against real clusters), browser (the
// dashboard in headless Chromium), package (the image and the Helm charts, built and run),
// chaos (fault proxy, SIGKILL and partition of the leader), soak (churn with heap and reconcile rate
// sampled), secrets (scans everything the other tiers captured for credentials; always last).
// checks and unit run while the test environment is built and started, so cold CI pays for the
// Go build once, in parallel with the rest; chaos and soak are CPU-sensitive and run after it.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Step {
  readonly name: string;
  readonly command: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Whether its output goes to the secret scan too (output of tests against real clusters). */
  readonly captured?: boolean;
  /** Minutes after which the step is stopped and fails (default 30): a hung test never eats CI's time. */
  readonly limitMinutes?: number;
}

/** Process groups of the running steps: Ctrl-C or a stop of the test command reaches them too. */
const runningGroups = new Set<number>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const pid of runningGroups) {
      try {
        process.kill(-pid, signal);
      } catch {
        // already gone
      }
    }
    process.exitCode = 130;
  });
}

interface StepResult {
  readonly name: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly passed: number;
  readonly failed: number;
}

const root = join(import.meta.dirname, '..');
const node = process.execPath;
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

function testFiles(...dirs: string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== 'web') walk(path);
      else if (entry.isFile() && entry.name.endsWith('.test.ts')) files.push(path);
    }
  };
  for (const dir of dirs) walk(join(root, dir));
  return files.sort();
}

/** node's test runner; it exits once its tests have finished even if a failed test left a handle open. */
function nodeTest(files: readonly string[], extra: readonly string[] = []): readonly string[] {
  return [node, '--test', '--test-force-exit', '--test-reporter=spec', ...extra, ...files];
}

function run(step: Step, prefix: string): Promise<StepResult> {
  const started = performance.now();
  return new Promise((resolveStep) => {
    const child = spawn(step.command[0] ?? node, step.command.slice(1), {
      cwd: root,
      env: { ...process.env, ...step.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a step that overruns its time limit is ended with all it started.
      detached: true,
    });
    if (child.pid !== undefined) runningGroups.add(child.pid);
    const limitMinutes = step.limitMinutes ?? 30;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const limit = setTimeout(() => {
      process.stderr.write(`[${prefix}] over its limit of ${String(limitMinutes)} min: stopping it\n`);
      signalGroup('SIGTERM');
      setTimeout(() => {
        signalGroup('SIGKILL');
      }, 30_000).unref();
    }, limitMinutes * 60_000);
    let passed = 0;
    let failed = 0;
    const capture = step.captured === true ? join(artifacts, 'captured', `test-output-${step.name}.log`) : undefined;
    const relay = (chunk: Buffer, out: NodeJS.WriteStream) => {
      const text = chunk.toString();
      if (capture !== undefined) appendFileSync(capture, text, { mode: 0o600 });
      for (const match of text.matchAll(/^ℹ pass (\d+)$/gm)) passed += Number(match[1]);
      for (const match of text.matchAll(/^ℹ fail (\d+)$/gm)) failed += Number(match[1]);
      out.write(text.replace(/^(?=.)/gm, `[${prefix}] `));
    };
    child.stdout.on('data', (chunk: Buffer) => {
      relay(chunk, process.stdout);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      relay(chunk, process.stderr);
    });
    child.on('close', (code) => {
      clearTimeout(limit);
      if (child.pid !== undefined) runningGroups.delete(child.pid);
      const seconds = (performance.now() - started) / 1000;
      resolveStep({ name: step.name, ok: code === 0, seconds, passed, failed });
    });
  });
}

async function runSequence(tier: string, steps: readonly Step[]): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const step of steps) {
    const result = await run(step, `${tier}:${step.name}`);
    console.log(`[${tier}:${step.name}] ${result.ok ? 'ok' : 'FAILED'} in ${result.seconds.toFixed(1)} s`);
    results.push(result);
  }
  return results;
}

const checks: Step[] = [
  { name: 'typecheck', command: [bin('tsc'), '-p', 'tsconfig.json'] },
  { name: 'lint', command: [bin('eslint'), '--max-warnings', '0', '.'] },
  { name: 'format', command: [bin('prettier'), '--check', '--log-level', 'warn', '.'] },
  { name: 'generated', command: [node, 'scripts/generate.ts', '--check'] },
];
const unit: Step[] = [{ name: 'unit', command: nodeTest(testFiles('src', 'test/unit', 'test/fuzz')) }];
const integrationFiles = testFiles('test/integration', 'test/e2e');
const integration: Step[] = [
  {
    name: 'integration',
    command: [node, 'test/testenv/with-testenv.ts', '--', ...nodeTest(integrationFiles, ['--test-concurrency=2'])],
    captured: true,
    // A cold build of the test environment's Kubernetes takes 7-25 minutes on 2 cores.
    limitMinutes: 45,
  },
];
// The dashboard in headless Chromium (Debian's chromium, driven by playwright-core); each file starts
// its own real clusters; screenshots go to the artifacts folder.
const browserFiles = testFiles('test/browser');
const browser: Step[] = [
  {
    name: 'browser',
    command: nodeTest(browserFiles, ['--test-concurrency=1']),
    captured: true,
    limitMinutes: 20,
  },
];
// What ships: the image built twice (reproducible) and run with podman, the Helm charts with the real
// Helm (built from the Go module proxy like the test environment) against real clusters.
const packageFiles = testFiles('test/package');
const packaging: Step[] = [
  {
    name: 'package',
    command: nodeTest(packageFiles, ['--test-concurrency=1']),
    captured: true,
    limitMinutes: 30,
  },
];
// Each chaos and soak file starts a private estate; one at a time, so timings are not skewed.
const chaos: Step[] = [
  {
    name: 'chaos',
    command: nodeTest(testFiles('test/chaos'), ['--test-concurrency=1']),
    captured: true,
    limitMinutes: 20,
  },
];
const argv = process.argv.slice(2).filter((arg) => arg !== '--');
const minutesFlag = argv.indexOf('--minutes');
const soakMinutes = minutesFlag === -1 ? process.env.MESHHUB_SOAK_MINUTES : argv[minutesFlag + 1];
if (minutesFlag !== -1) argv.splice(minutesFlag, 2);
const soak: Step[] = [
  {
    name: 'soak',
    command: nodeTest(testFiles('test/soak'), ['--test-concurrency=1']),
    env: soakMinutes === undefined ? {} : { MESHHUB_SOAK_MINUTES: soakMinutes },
    captured: true,
    limitMinutes: (Number.isFinite(Number(soakMinutes ?? 8)) ? Number(soakMinutes ?? 8) : 8) + 10,
  },
];
// Where helpers capture logs, metrics, meshctl output and cluster dumps for the secret scan.
const artifacts =
  process.env.MESHHUB_TEST_ARTIFACTS !== undefined && process.env.MESHHUB_TEST_ARTIFACTS !== ''
    ? process.env.MESHHUB_TEST_ARTIFACTS
    : mkdtempSync(join(tmpdir(), 'mesh-hub-artifacts-'));
process.env.MESHHUB_TEST_ARTIFACTS = artifacts;
mkdirSync(join(artifacts, 'captured'), { recursive: true, mode: 0o700 });
const secrets: Step[] = [{ name: 'secret-scan', command: [node, 'scripts/secret-scan.ts', artifacts] }];

const tiers: Record<string, readonly Step[]> = {
  checks,
  unit,
  integration: integrationFiles.length > 0 ? integration : [],
  browser: browserFiles.length > 0 ? browser : [],
  package: packageFiles.length > 0 ? packaging : [],
  chaos,
  soak,
  secrets,
};
const defaultTiers = ['checks', 'unit', 'integration', 'browser', 'package', 'secrets'];
const requested = argv;
for (const name of requested) {
  if (!(name in tiers)) {
    console.error(`unknown tier ${name}; tiers: ${Object.keys(tiers).join(', ')}`);
    process.exit(2);
  }
}
const selected = requested.length > 0 ? requested : defaultTiers;
const wanted = (name: string) => selected.includes(name);

const started = performance.now();
// Debian's chromium, prometheus and podman (scripts/setup-system.sh): installed once when missing.
if (wanted('browser') || wanted('package') || wanted('integration')) {
  const [setup] = await runSequence('setup', [
    { name: 'system-packages', command: ['bash', 'scripts/setup-system.sh'] },
  ]);
  if (setup?.ok !== true) console.log('[setup] system packages missing: the tiers that need them will say so');
}
const timings: { tier: string; seconds: number; ok: boolean }[] = [];
const timed = async (tier: string, steps: readonly Step[]) => {
  const t0 = performance.now();
  const results = await runSequence(tier, steps);
  timings.push({ tier, seconds: (performance.now() - t0) / 1000, ok: results.every((r) => r.ok) });
  return results;
};
// The integration tier spends its first minutes building and starting clusters (I/O and Go),
// so the CPU-light checks and unit tests run beside it rather than before it.
// The package tier follows unit in the first lane, the browser tier follows integration in the second.
const lanes = await Promise.all([
  (async () => [
    ...(wanted('checks') ? await timed('checks', checks) : []),
    ...(wanted('unit') ? await timed('unit', unit) : []),
    ...(wanted('package') && packageFiles.length > 0 ? await timed('package', packaging) : []),
  ])(),
  (async () => [
    ...(wanted('integration') && integrationFiles.length > 0 ? await timed('integration', integration) : []),
    ...(wanted('browser') && browserFiles.length > 0 ? await timed('browser', browser) : []),
  ])(),
]);
// After the integration lane: chaos and soak want the CPU to themselves; the scan reads what all captured.
for (const tier of ['chaos', 'soak', 'secrets'] as const)
  if (wanted(tier)) lanes.push(await timed(tier, tiers[tier] ?? []));
const results = lanes.flat();

console.log('\nTier times:');
for (const { tier, seconds, ok } of timings)
  console.log(`  ${tier.padEnd(12)} ${seconds.toFixed(1).padStart(7)} s  ${ok ? 'ok' : 'FAILED'}`);
console.log(`  ${'total'.padEnd(12)} ${((performance.now() - started) / 1000).toFixed(1).padStart(7)} s`);
const failedSteps = results.filter((r) => !r.ok).map((r) => r.name);
if (failedSteps.length > 0) console.log(`failed steps: ${failedSteps.join(', ')}`);
const passed = results.reduce((sum, r) => sum + r.passed, 0);
const failed = results.reduce((sum, r) => sum + r.failed, 0) + failed0(results);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exitCode = failedSteps.length > 0 ? 1 : 0;

/** A check step that failed without running tests still counts as one failure. */
function failed0(all: readonly StepResult[]): number {
  return all.filter((r) => !r.ok && r.failed === 0).length;
}

// What end-to-end tests share: the management plane as a real child process, its metrics, meshctl
// run in-process with captured output.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMeshctl } from '../../src/cli/main.ts';
import { freePort } from '../../src/testenv/free-port.ts';
import { captureFile, captureText, recordKubeconfigFile } from '../support/artifacts.ts';

export { freePort };

const repoRoot = join(import.meta.dirname, '..', '..');

/** A `meshhub` server process (controller or cert agent) run as a child, with its endpoints and log. */
export interface RunningProcess {
  readonly process: ChildProcess;
  readonly port: number;
  readonly logFile: string;
  metrics(): Promise<Map<string, number>>;
  /** Sum of every series of a metric whose labels contain all of `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  ready(): Promise<boolean>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  log(): string;
}

export type RunningController = RunningProcess;

/** Starts `meshhub <command> --listen=127.0.0.1:<free port> ...args`, its output appended to `logFile`. */
export async function startMeshhub(
  command: 'controller' | 'cert-agent',
  args: readonly string[],
  logFile: string,
): Promise<RunningProcess> {
  const port = await freePort();
  // For the secret scan: the credentials it was given, and (below) its log and metrics.
  for (const arg of args) if (arg.startsWith('--kubeconfig=')) recordKubeconfigFile(arg.slice('--kubeconfig='.length));
  const fd = openSync(logFile, 'a', 0o600);
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'bin', 'meshhub.js'), command, ...args, `--listen=127.0.0.1:${String(port)}`],
    { stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      captureFile(logFile, `${command}-${String(port)}.log`);
      resolve();
    }),
  );
  const base = `http://127.0.0.1:${String(port)}`;
  const metrics = async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    captureText(`${command}-${String(port)}-metrics.txt`, text, 'replace');
    const values = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      const space = line.lastIndexOf(' ');
      values.set(line.slice(0, space), Number(line.slice(space + 1)));
    }
    return values;
  };
  return {
    process: child,
    port,
    logFile,
    metrics,
    async metric(name, labels = {}) {
      let sum = 0;
      for (const [series, value] of await metrics()) {
        const brace = series.indexOf('{');
        const seriesName = brace === -1 ? series : series.slice(0, brace);
        if (seriesName !== name) continue;
        const labelText = brace === -1 ? '' : series.slice(brace);
        if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) sum += value;
      }
      return sum;
    },
    async ready() {
      try {
        return (await fetch(`${base}/readyz`)).status === 200;
      } catch {
        return false;
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    log: () => readFileSync(logFile, 'utf8'),
  };
}

export async function startController(options: {
  kubeconfig: string;
  context: string;
  namespace?: string;
  logFile: string;
  leaseDurationSeconds?: number;
  extraArgs?: readonly string[];
}): Promise<RunningController> {
  return startMeshhub(
    'controller',
    [
      `--kubeconfig=${options.kubeconfig}`,
      `--context=${options.context}`,
      `--namespace=${options.namespace ?? 'gloo-mesh'}`,
      `--lease-duration=${String(options.leaseDurationSeconds ?? 15)}`,
      ...(options.extraArgs ?? []),
    ],
    options.logFile,
  );
}

/** The cert agent of one workload cluster (`meshhub cert-agent`). */
export async function startCertAgent(options: {
  readonly kubeconfig: string;
  readonly context?: string;
  readonly namespace: string;
  readonly logFile: string;
  readonly extraArgs?: readonly string[];
}): Promise<RunningProcess> {
  return startMeshhub(
    'cert-agent',
    [
      `--kubeconfig=${options.kubeconfig}`,
      ...(options.context === undefined ? [] : [`--context=${options.context}`]),
      `--namespace=${options.namespace}`,
      ...(options.extraArgs ?? []),
    ],
    options.logFile,
  );
}

export interface MeshctlRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function meshctl(args: readonly string[]): Promise<MeshctlRun> {
  let stdout = '';
  let stderr = '';
  const code = await runMeshctl(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  captureText('meshctl-output.log', `$ meshctl ${args.join(' ')}\n${stdout}${stderr}[exit ${String(code)}]\n`);
  // A debug snapshot is written to a directory: it is output the scan must see too.
  const output = args.indexOf('--output');
  const target = output === -1 ? undefined : args[output + 1];
  if (args.includes('debug') && target !== undefined) captureFile(target, 'debug-snapshot');
  return { code, stdout, stderr };
}

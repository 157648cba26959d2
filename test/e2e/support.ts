// What end-to-end tests share: the management plane as a real child process, its metrics, meshctl
// run in-process with captured output.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runMeshctl } from '../../src/cli/main.ts';

const repoRoot = join(import.meta.dirname, '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

export interface RunningController {
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

export async function startController(options: {
  kubeconfig: string;
  context: string;
  namespace?: string;
  logFile: string;
  leaseDurationSeconds?: number;
  extraArgs?: readonly string[];
}): Promise<RunningController> {
  const port = await freePort();
  const fd = openSync(options.logFile, 'a', 0o600);
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'bin', 'meshhub.js'),
      'controller',
      `--kubeconfig=${options.kubeconfig}`,
      `--context=${options.context}`,
      `--namespace=${options.namespace ?? 'gloo-mesh'}`,
      `--listen=127.0.0.1:${port}`,
      `--lease-duration=${options.leaseDurationSeconds ?? 15}`,
      ...(options.extraArgs ?? []),
    ],
    { stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  const metrics = async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
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
    logFile: options.logFile,
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
    log: () => readFileSync(options.logFile, 'utf8'),
  };
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
  return { code, stdout, stderr };
}

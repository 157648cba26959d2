// The cert agent as a real child process (`meshhub cert-agent`), for tests that play the
// management plane around it: its log, its metrics and readiness, and a stop that waits for exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './support.ts';

const repoRoot = join(import.meta.dirname, '..', '..');

export interface RunningCertAgent {
  readonly process: ChildProcess;
  readonly port: number;
  readonly logFile: string;
  /** Sum of every series of a metric whose labels contain all of `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  ready(): Promise<boolean>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  log(): string;
}

export async function startCertAgent(options: {
  readonly kubeconfig: string;
  readonly context?: string;
  readonly namespace: string;
  readonly logFile: string;
  readonly extraArgs?: readonly string[];
}): Promise<RunningCertAgent> {
  const port = await freePort();
  const fd = openSync(options.logFile, 'a', 0o600);
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'bin', 'meshhub.js'),
      'cert-agent',
      `--kubeconfig=${options.kubeconfig}`,
      ...(options.context === undefined ? [] : [`--context=${options.context}`]),
      `--namespace=${options.namespace}`,
      `--listen=127.0.0.1:${String(port)}`,
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
  const base = `http://127.0.0.1:${String(port)}`;
  return {
    process: child,
    port,
    logFile: options.logFile,
    async metric(name, labels = {}) {
      const text = await (await fetch(`${base}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        if (line.startsWith('#') || line.trim() === '') continue;
        const space = line.lastIndexOf(' ');
        const series = line.slice(0, space);
        const brace = series.indexOf('{');
        if ((brace === -1 ? series : series.slice(0, brace)) !== name) continue;
        const labelText = brace === -1 ? '' : series.slice(brace);
        if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`)))
          sum += Number(line.slice(space + 1));
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

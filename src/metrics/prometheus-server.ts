// A real Prometheus on loopback (Debian's /usr/bin/prometheus), for the tests and `meshctl demo`: a
// generated configuration that scrapes the given targets every second, its own data directory and a
// free port. One per cluster, as a cluster's mesh would have its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../testenv/free-port.ts';

export const PROMETHEUS_BINARY = process.env.MESHHUB_PROMETHEUS ?? '/usr/bin/prometheus';

export interface ScrapeTarget {
  /** `http://host:port` */
  readonly url: string;
  readonly path: string;
}

export interface PrometheusOptions {
  /** What this Prometheus is for (a cluster name); names its job and its data directory. */
  readonly name: string;
  readonly targets: readonly ScrapeTarget[];
  /** Where it keeps its data and configuration; a new temporary directory by default. */
  readonly dataDir?: string;
  readonly scrapeIntervalSeconds?: number;
  /** Keep running after this process exits (`meshctl demo`); its output goes to `dataDir/prometheus.log`. */
  readonly detached?: boolean;
  readonly readyTimeoutMs?: number;
}

export interface PrometheusServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly pid: number;
  readonly dataDir: string;
  /** Stops it and, when the directory was temporary, removes its data. */
  stop(): Promise<void>;
}

/** The configuration file: every target scraped at a fixed interval. */
export function prometheusConfig(name: string, targets: readonly ScrapeTarget[], intervalSeconds: number): string {
  const interval = `${String(intervalSeconds)}s`;
  return stringify({
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    scrape_configs: targets.map((target, index) => {
      const url = new URL(target.url);
      return {
        job_name: `${name}-${String(index)}`,
        metrics_path: target.path,
        scheme: url.protocol.replace(':', ''),
        static_configs: [{ targets: [url.host] }],
      };
    }),
  });
}

async function ready(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  const done = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await done;
  clearTimeout(timer);
}

/**
 * Starts Prometheus and waits until it is ready. The port is picked free just before the start; if
 * another process takes it in between, Prometheus exits and the start is tried again on another port.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  if (!existsSync(PROMETHEUS_BINARY)) {
    throw new Error(
      `Prometheus is not installed at ${PROMETHEUS_BINARY}: install Debian's prometheus package (scripts/setup-system.sh)`,
    );
  }
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), `meshhub-prometheus-${options.name}-`));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const configFile = join(dataDir, 'prometheus.yml');
  writeFileSync(configFile, prometheusConfig(options.name, options.targets, options.scrapeIntervalSeconds ?? 1), {
    mode: 0o600,
  });
  const deadlineMs = options.readyTimeoutMs ?? 60_000;
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${String(port)}`;
    const logFd = openSync(join(dataDir, 'prometheus.log'), 'a', 0o600);
    const child = spawn(
      PROMETHEUS_BINARY,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dataDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${String(port)}`,
        '--storage.tsdb.retention.time=2h',
        '--log.level=warn',
      ],
      { detached: options.detached === true, stdio: ['ignore', logFd, logFd] },
    );
    closeSync(logFd);
    if (options.detached === true) child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${PROMETHEUS_BINARY}`);
    const deadline = Date.now() + deadlineMs;
    while (Date.now() < deadline && !exited(child)) {
      if (await ready(url)) {
        return {
          url,
          pid,
          dataDir,
          stop: async () => {
            await stopProcess(child);
            if (temporary) rmSync(dataDir, { recursive: true, force: true });
          },
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    lastError = exited(child)
      ? `exited with ${String(child.exitCode ?? child.signalCode)}`
      : `not ready within ${String(deadlineMs / 1000)} s`;
    await stopProcess(child);
  }
  throw new Error(
    `Prometheus for ${options.name} did not start (${lastError}); see ${join(dataDir, 'prometheus.log')}`,
  );
}

/** Waits until Prometheus has scraped every target successfully at least `samples` times. */
export async function waitForScrapes(url: string, samples: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const query = encodeURIComponent(`min(count_over_time(up[1h]) * up)`);
  for (;;) {
    try {
      const response = await fetch(`${url}/api/v1/query?query=${query}`, { signal: AbortSignal.timeout(2000) });
      const body = (await response.json()) as { data?: { result?: { value?: [number, string] }[] } };
      const value = Number(body.data?.result?.[0]?.value?.[1] ?? 0);
      if (value >= samples) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`Prometheus at ${url}: fewer than ${String(samples)} scrapes in time`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

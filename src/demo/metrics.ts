// Live traffic for `meshctl demo`: the traffic generator and one Prometheus per workload cluster,
// running in the background like the management plane, and each cluster's registration pointed at
// its Prometheus, so metrics (the dashboard, `meshctl top`) show the demo's traffic from the start.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { KubeClient } from '../kube/client.ts';
import { setClusterPrometheusUrl } from '../metrics/cluster-metrics-url.ts';
import { startPrometheus } from '../metrics/prometheus-server.ts';
import { metricsPath } from '../metrics/traffic-generator.ts';
import { freePort } from '../testenv/free-port.ts';

export interface DemoMetrics {
  readonly generatorUrl: string;
  /** Prometheus URL by cluster. */
  readonly prometheus: Readonly<Record<string, string>>;
  /** Background processes, for `meshctl demo down`. */
  readonly pids: readonly number[];
}

async function waitForGenerator(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`the traffic generator did not start at ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startDemoMetrics(
  dir: string,
  mgmt: KubeClient,
  installNamespace: string,
  clusters: readonly string[],
): Promise<DemoMetrics> {
  const pids: number[] = [];
  const port = await freePort();
  const log = openSync(join(dir, 'traffic-generator.log'), 'a', 0o600);
  // The generator runs from the same kind of file as this one (.ts in a checkout, .js when packaged).
  const main = join(import.meta.dirname, '..', 'metrics', `traffic-generator-main${extname(import.meta.filename)}`);
  const child = spawn(process.execPath, [main, `--port=${String(port)}`], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new Error('could not start the traffic generator');
  pids.push(child.pid);
  const generatorUrl = `http://127.0.0.1:${String(port)}`;
  await waitForGenerator(generatorUrl, 30_000);
  const prometheus: Record<string, string> = {};
  for (const cluster of clusters) {
    const server = await startPrometheus({
      name: cluster,
      targets: [{ url: generatorUrl, path: metricsPath(cluster) }],
      dataDir: join(dir, `prometheus-${cluster}`),
      detached: true,
    });
    pids.push(server.pid);
    prometheus[cluster] = server.url;
    await setClusterPrometheusUrl(mgmt, installNamespace, cluster, server.url);
  }
  return { generatorUrl, prometheus, pids };
}

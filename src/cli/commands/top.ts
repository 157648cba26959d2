// `meshctl top destinations|workloads`: live traffic per discovered Destination or Workload (request
// rate, success rate, p50/p90/p99 latency over a window), read by the same MetricsProvider the
// dashboard uses: each registered cluster's Prometheus, joined with discovery on the management
// cluster. A cluster without metrics is named with the reason; its objects show "no metrics", not 0.
import { DISCOVERY_CLUSTER_LABEL } from '../../api/labels.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { KubeClient } from '../../kube/client.ts';
import { DESTINATION, WORKLOAD } from '../../kube/resources.ts';
import type { EstateMetrics, TrafficStats } from '../../metrics/model.ts';
import { createMetricsProvider } from '../../metrics/provider.ts';
import { durationMilliseconds } from '../../networking/validate/durations.ts';
import { reportingClusterFailures } from '../cluster-failure.ts';
import { managementClient } from '../clients.ts';
import { CommandError, type CommandIO, type GlobalOptions } from '../context.ts';
import { formatData, formatTable } from '../output.ts';
import type { TopSort } from '../declarations/top.ts';

export type { TopSort } from '../declarations/top.ts';

export interface TopRow {
  readonly name: string;
  readonly namespace: string;
  readonly cluster: string;
  /** False when the object's cluster has no metrics: its figures are unknown, not zero. */
  readonly metrics: boolean;
  readonly rps: number | null;
  readonly successRate: number | null;
  readonly p50Ms: number | null;
  readonly p90Ms: number | null;
  readonly p99Ms: number | null;
}

/** A window like `30s`, `5m`, `1h` in whole seconds (at least one). */
export function parseWindow(text: string): number {
  const ms = durationMilliseconds(text);
  if (ms === undefined || ms < 1000 || ms % 1000 !== 0) {
    throw new CommandError(`--window: "${text}" is not a duration of whole seconds, at least 1s (e.g. 30s, 5m, 1h)`, 2);
  }
  return ms / 1000;
}

const errorRate = (row: TopRow) => (row.rps ?? 0) * (1 - (row.successRate ?? 1));

/** Rows for the objects, busiest first (or by errors per second, or by p99), then by name. */
export function topRows(
  objects: readonly KubeObject[],
  metrics: EstateMetrics,
  stats: ReadonlyMap<string, TrafficStats>,
  options: { readonly cluster?: string; readonly sort: TopSort },
): TopRow[] {
  const withoutMetrics = new Set(metrics.clusters.filter((c) => c.state === 'no-metrics').map((c) => c.cluster));
  const rows = objects
    .map((object): TopRow => {
      const cluster = object.metadata.labels?.[DISCOVERY_CLUSTER_LABEL] ?? '';
      const found = stats.get(`${object.metadata.namespace ?? ''}/${object.metadata.name}`);
      const known = !withoutMetrics.has(cluster);
      return {
        name: object.metadata.name,
        namespace: object.metadata.namespace ?? '',
        cluster,
        metrics: known,
        rps: known ? (found?.rps ?? 0) : null,
        successRate: found?.successRate ?? null,
        p50Ms: found?.p50Ms ?? null,
        p90Ms: found?.p90Ms ?? null,
        p99Ms: found?.p99Ms ?? null,
      };
    })
    .filter((row) => options.cluster === undefined || row.cluster === options.cluster);
  const key = (row: TopRow): number => {
    switch (options.sort) {
      case 'rps':
        return row.rps ?? -1;
      case 'errors':
        return row.rps === null ? -1 : errorRate(row);
      case 'p99':
        return row.p99Ms ?? -1;
    }
  };
  return rows.sort((a, b) => key(b) - key(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const number = (value: number | null, digits: number, suffix = '') =>
  value === null ? '-' : `${value.toFixed(digits)}${suffix}`;

export function topTable(rows: readonly TopRow[]) {
  return {
    headers: ['NAME', 'CLUSTER', 'RPS', 'SUCCESS', 'P50', 'P90', 'P99'],
    rows: rows.map((row) =>
      row.metrics
        ? [
            row.name,
            row.cluster,
            number(row.rps, 2),
            row.successRate === null ? '-' : `${(row.successRate * 100).toFixed(1)}%`,
            number(row.p50Ms, 1, 'ms'),
            number(row.p90Ms, 1, 'ms'),
            number(row.p99Ms, 1, 'ms'),
          ]
        : [row.name, row.cluster, 'no metrics', '', '', '', ''],
    ),
  };
}

async function runTop(
  io: CommandIO,
  globals: GlobalOptions,
  what: 'destinations' | 'workloads',
  flags: { namespace: string; cluster?: string; sort: TopSort; window: string; timeout: string },
): Promise<void> {
  const windowSeconds = parseWindow(flags.window);
  const timeoutMs = durationMilliseconds(flags.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0) {
    throw new CommandError(`--timeout: "${flags.timeout}" is not a positive duration (e.g. 5s)`, 2);
  }
  const mgmt: KubeClient = managementClient(globals);
  const { metrics, objects } = await reportingClusterFailures([mgmt], async () => {
    const provider = createMetricsProvider({ managementClient: mgmt, installNamespace: flags.namespace, timeoutMs });
    const [estate, list] = await Promise.all([
      provider.estate(windowSeconds),
      mgmt.list(what === 'destinations' ? DESTINATION : WORKLOAD, { namespace: flags.namespace }),
    ]);
    return { metrics: estate, objects: list.items };
  });
  const rows = topRows(objects, metrics, what === 'destinations' ? metrics.destinations : metrics.workloads, {
    ...(flags.cluster === undefined ? {} : { cluster: flags.cluster }),
    sort: flags.sort,
  });
  const clusters = metrics.clusters.filter((c) => flags.cluster === undefined || c.cluster === flags.cluster);
  if (globals.outputFormat !== 'table') {
    io.stdout(
      formatData(
        globals.outputFormat,
        { windowSeconds, collectedAt: metrics.collectedAt, clusters, [what]: rows },
        () => topTable(rows),
      ),
    );
    return;
  }
  io.stdout(formatTable(topTable(rows)));
  for (const cluster of clusters) {
    if (cluster.state === 'no-metrics') io.stdout(`${cluster.cluster}: no metrics: ${cluster.reason}\n`);
  }
}

export function topAction(io: CommandIO, globals: () => GlobalOptions, what: 'destinations' | 'workloads') {
  return async (flags: { namespace: string; cluster?: string; sort: TopSort; window: string; timeout: string }) => {
    await runTop(io, globals(), what, flags);
  };
}

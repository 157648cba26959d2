// The management plane's Prometheus metrics, on a registry of its own (no global state).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ControllerMetrics {
  readonly registry: Registry;
  readonly reconciles: Counter<'result'>;
  readonly reconcileDuration: Histogram;
  readonly objectsWritten: Counter<'cluster' | 'operation'>;
  readonly applyErrors: Counter<'cluster'>;
  readonly clusterWatchHealthy: Gauge<'cluster'>;
  readonly clusterSynced: Gauge<'cluster'>;
  readonly leader: Gauge;
}

export function createMetrics(): ControllerMetrics {
  const registry = new Registry();
  // Process metrics (heap, RSS, event loop lag): what the soak test and operators watch for leaks.
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    reconciles: new Counter({
      name: 'meshhub_reconciles_total',
      help: 'Reconcile passes, by result (ok: everything applied; partial: some cluster or object failed).',
      labelNames: ['result'],
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: 'meshhub_reconcile_duration_seconds',
      help: 'Duration of a reconcile pass: snapshot, discovery, translation, apply and status.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    objectsWritten: new Counter({
      name: 'meshhub_objects_written_total',
      help: 'Objects written to API servers, by cluster and operation (apply, status, delete).',
      labelNames: ['cluster', 'operation'],
      registers: [registry],
    }),
    applyErrors: new Counter({
      name: 'meshhub_apply_errors_total',
      help: 'Objects that could not be applied or deleted, by cluster.',
      labelNames: ['cluster'],
      registers: [registry],
    }),
    clusterWatchHealthy: new Gauge({
      name: 'meshhub_cluster_watch_healthy',
      help: '1 when every list+watch of the cluster is working, 0 when one is failing.',
      labelNames: ['cluster'],
      registers: [registry],
    }),
    clusterSynced: new Gauge({
      name: 'meshhub_cluster_synced',
      help: '1 once every list+watch of the cluster has listed at least once.',
      labelNames: ['cluster'],
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'meshhub_leader',
      help: '1 while this replica holds the Lease and reconciles, 0 while it stands by.',
      registers: [registry],
    }),
  };
}

// The MetricsProvider of the management plane: reads the registered clusters and the discovered
// Meshes, Destinations and Workloads from the management cluster, asks each cluster's Prometheus for
// its mesh's telemetry (bounded: a deadline per query, a few queries at a time per Prometheus, the
// first failure of a cluster cancels the rest of its queries), and joins the answers with discovery.
// Results are cached for a few seconds per window, and concurrent callers share one computation, so
// many open dashboards cost each Prometheus one set of queries per cache period.
import { DEFAULT_INSTALL_NAMESPACE } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import { clientFromKubeconfigText, type KubeClient } from '../kube/client.ts';
import { DESTINATION, KUBERNETES_CLUSTER, MESH, SECRET, WORKLOAD } from '../kube/resources.ts';
import { KUBECONFIG_SECRET_TYPE, registrations, type Registration } from '../reconcile/registered-clusters.ts';
import { clusterMeshes, describeSource, explicitSource, type MetricsSource } from './metrics-sources.ts';
import type { ClusterMetricsState, EstateMetrics, MetricsProvider } from './model.ts';
import { querierFor, type PrometheusQuerier } from './prometheus-query.ts';
import { scopeQueries, windowText, type MeshKind, type TrafficScope } from './promql.ts';
import { indexDiscovery, joinTraffic, type ClusterAnswer, type PromSample, type ScopeAnswer } from './traffic-join.ts';

export interface MetricsProviderOptions {
  /** The management cluster: registrations and discovered objects are read there. */
  readonly managementClient: KubeClient;
  readonly installNamespace?: string;
  /** Deadline of each Prometheus query (default 5 s); a cluster that misses it is 'no-metrics'. */
  readonly timeoutMs?: number;
  /** Queries in flight at once per Prometheus (default 4). */
  readonly concurrency?: number;
  /** How long an answer is reused (default 5 s). */
  readonly cacheTtlMs?: number;
  /** The clock, in milliseconds (tests). */
  readonly now?: () => number;
}

export interface CachingMetricsProvider extends MetricsProvider {
  /** The answers held now, by window (what the cache costs: `npm run bench`). */
  cachedWindows(): number[];
}

const SCOPES: readonly TrafficScope[] = ['destinations', 'workloads', 'edges'];

/** At most `limit` tasks at once; the rest wait in order. */
export class Limiter {
  readonly #limit: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#running++;
    try {
      return await task();
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }
}

/**
 * Every scope of every mesh kind of one cluster from its Prometheus, at most `limiter`'s queries at
 * once; the first failure cancels the rest and is thrown.
 */
export async function queryClusterTraffic(
  cluster: string,
  kinds: readonly MeshKind[],
  querier: PrometheusQuerier,
  limiter: Limiter,
  windowSeconds: number,
  time: number,
): Promise<ClusterAnswer[]> {
  // One failure is enough to call the cluster 'no-metrics': cancel what is still waiting.
  const controller = new AbortController();
  const ask = (expression: string): Promise<PromSample[]> =>
    limiter.run(async () => {
      if (controller.signal.aborted) throw new Error('cancelled');
      try {
        return await querier.query(expression, time, controller.signal);
      } catch (error) {
        controller.abort();
        throw error;
      }
    });
  const perKind = kinds.map(async (kind): Promise<ClusterAnswer> => {
    const scopes: Partial<Record<TrafficScope, ScopeAnswer>> = {};
    const shape: ClusterAnswer['shape'] = {};
    const mutableShape = shape as Partial<Record<TrafficScope, NonNullable<ClusterAnswer['shape'][TrafficScope]>>>;
    await Promise.all(
      SCOPES.map(async (scope) => {
        const queries = scopeQueries(kind, scope, windowSeconds);
        if (queries === null) return;
        mutableShape[scope] = queries;
        const [requests, p50Ms, p90Ms, p99Ms] = await Promise.all([
          ask(queries.requests),
          ask(queries.quantiles.p50Ms),
          ask(queries.quantiles.p90Ms),
          ask(queries.quantiles.p99Ms),
        ]);
        scopes[scope] = { requests, quantiles: { p50Ms, p90Ms, p99Ms } };
      }),
    );
    return { cluster, kind, scopes, shape };
  });
  const settled = await Promise.allSettled(perKind);
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  return settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What to ask about one cluster: its source and mesh kinds, or why it has no metrics. */
function planCluster(
  object: KubeObject,
  registration: Registration | undefined,
  meshes: readonly KubeObject[],
):
  | { readonly ok: true; readonly source: MetricsSource; readonly kinds: readonly MeshKind[] }
  | { readonly ok: false; readonly reason: string; readonly source?: string } {
  const cluster = object.metadata.name;
  const explicit = explicitSource(object);
  if (explicit !== undefined && 'error' in explicit) return { ok: false, reason: explicit.error };
  const found = clusterMeshes(meshes, cluster);
  const source = explicit ?? found.defaultSource;
  if (source === undefined) {
    return { ok: false, reason: `no mesh discovered on cluster ${cluster}, so no Prometheus of a mesh to read` };
  }
  if (found.kinds.length === 0) {
    return {
      ok: false,
      reason: `no mesh discovered on cluster ${cluster}: no telemetry to read`,
      source: describeSource(source),
    };
  }
  if (source.via === 'service-proxy' && registration?.outcome !== 'ok') {
    return {
      ok: false,
      reason:
        registration?.outcome === 'error' ? registration.message : `cluster ${cluster} has no registration Secret`,
      source: describeSource(source),
    };
  }
  return { ok: true, source, kinds: found.kinds };
}

/**
 * The management plane's MetricsProvider. `estate(windowSeconds)` answers from the cache when the
 * same window was computed less than `cacheTtlMs` ago, joins a computation already under way, or
 * computes anew. A cluster whose Prometheus fails or misses the deadline is 'no-metrics' with the
 * reason; the management cluster not answering is an error (unknown is not empty).
 */
export function createMetricsProvider(options: MetricsProviderOptions): CachingMetricsProvider {
  const mgmt = options.managementClient;
  const namespace = options.installNamespace ?? DEFAULT_INSTALL_NAMESPACE;
  const timeoutMs = options.timeoutMs ?? 5000;
  const concurrency = options.concurrency ?? 4;
  const ttlMs = options.cacheTtlMs ?? 5000;
  const now = options.now ?? Date.now;
  const cache = new Map<number, { readonly at: number; readonly value: EstateMetrics }>();
  const inFlight = new Map<number, Promise<EstateMetrics>>();
  const limiters = new Map<string, Limiter>();
  const clients = new Map<string, { readonly fingerprint: string; readonly client: KubeClient }>();

  const clientOf = (registration: Registration | undefined): KubeClient | undefined => {
    if (registration?.outcome !== 'ok') return undefined;
    const known = clients.get(registration.cluster);
    if (known?.fingerprint === registration.fingerprint) return known.client;
    const client = clientFromKubeconfigText(registration.cluster, registration.kubeconfig);
    clients.set(registration.cluster, { fingerprint: registration.fingerprint, client });
    return client;
  };

  const compute = async (windowSeconds: number): Promise<EstateMetrics> => {
    const list = async (type: typeof MESH, fieldSelector?: string) =>
      (await mgmt.list(type, { namespace, ...(fieldSelector === undefined ? {} : { fieldSelector }) })).items;
    const [clusterObjects, secrets, meshes, destinations, workloads] = await Promise.all([
      list(KUBERNETES_CLUSTER),
      list(SECRET, `type=${KUBECONFIG_SECRET_TYPE}`),
      list(MESH),
      list(DESTINATION),
      list(WORKLOAD),
    ]);
    const registered = new Map(registrations(clusterObjects, secrets, namespace).map((r) => [r.cluster, r]));
    const time = now() / 1000;
    const states: ClusterMetricsState[] = [];
    const answers: ClusterAnswer[] = [];
    const sorted = [...clusterObjects].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    await Promise.all(
      sorted.map(async (object) => {
        const cluster = object.metadata.name;
        const plan = planCluster(object, registered.get(cluster), meshes);
        if (!plan.ok) {
          states.push({
            cluster,
            state: 'no-metrics',
            reason: plan.reason,
            ...(plan.source === undefined ? {} : { source: plan.source }),
          });
          return;
        }
        const querier = querierFor(plan.source, clientOf(registered.get(cluster)), timeoutMs);
        let limiter = limiters.get(cluster);
        if (limiter === undefined) {
          limiter = new Limiter(concurrency);
          limiters.set(cluster, limiter);
        }
        try {
          answers.push(...(await queryClusterTraffic(cluster, plan.kinds, querier, limiter, windowSeconds, time)));
          states.push({ cluster, state: 'ok', source: querier.description });
        } catch (error) {
          states.push({ cluster, state: 'no-metrics', reason: message(error), source: querier.description });
        }
      }),
    );
    states.sort((a, b) => (a.cluster < b.cluster ? -1 : 1));
    answers.sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : a.kind < b.kind ? -1 : 1));
    const index = indexDiscovery(
      destinations,
      workloads,
      clusterObjects.map((object) => object.metadata.name),
    );
    return joinTraffic(index, answers, windowSeconds, new Date(time * 1000).toISOString(), states);
  };

  const estate = (windowSeconds: number): Promise<EstateMetrics> => {
    windowText(windowSeconds);
    const at = now();
    for (const [window, entry] of cache) if (at - entry.at >= ttlMs) cache.delete(window);
    const cached = cache.get(windowSeconds);
    if (cached !== undefined) return Promise.resolve(cached.value);
    const running = inFlight.get(windowSeconds);
    if (running !== undefined) return running;
    const started = compute(windowSeconds)
      .then((value) => {
        cache.set(windowSeconds, { at: now(), value });
        return value;
      })
      .finally(() => {
        inFlight.delete(windowSeconds);
      });
    inFlight.set(windowSeconds, started);
    return started;
  };

  return {
    estate: (windowSeconds, signal) => {
      const shared = estate(windowSeconds);
      if (signal === undefined) return shared;
      // A caller that gives up does not cancel the computation others share.
      return new Promise<EstateMetrics>((resolve, reject) => {
        const onAbort = () => {
          reject(signal.reason instanceof Error ? signal.reason : new Error('cancelled'));
        };
        if (signal.aborted) {
          onAbort();
          return;
        }
        signal.addEventListener('abort', onAbort, { once: true });
        shared.then(resolve, reject).finally(() => {
          signal.removeEventListener('abort', onAbort);
        });
      });
    },
    cachedWindows: () => [...cache.keys()].sort((a, b) => a - b),
  };
}

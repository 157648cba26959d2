// A large estate for the live test clusters (bench/latency.ts): the application part of the project's
// estate generator (estate.ts), spread over the workload clusters and created directly on their API
// servers. The clusters run no kubelet, so only what discovery needs is written: meshed Namespaces,
// Services and Deployments. The Deployments are paused, so the test cluster's controller-manager makes
// no ReplicaSets or Pods for them (20,000 pending pods would load the shared machine for nothing);
// discovery sees a Deployment without pods in an `istio-injection` namespace as an Istio Workload.
import type { KubeObject } from '../src/api/meta.ts';
import { KubeApiError, type KubeClient } from '../src/kube/client.ts';
import { generateEstate } from './estate.ts';

export interface LiveEstate {
  /** Per cluster name, its objects in creation order (Namespaces first). */
  readonly objects: ReadonlyMap<string, readonly KubeObject[]>;
  /** Destinations discovery should make of it (one per Service). */
  readonly destinations: number;
  readonly workloads: number;
}

/** Application namespaces of the generator are `ns-<n>`; its control-plane objects are left out (bookinfo brings them). */
const isApplication = (object: KubeObject): boolean =>
  (object.kind === 'Namespace' ? object.metadata.name : (object.metadata.namespace ?? '')).startsWith('ns-');

/** `destinations` Services (each with one Deployment) split evenly over `clusters`. */
export function liveEstate(destinations: number, clusters: readonly string[]): LiveEstate {
  const perCluster = Math.ceil(destinations / clusters.length);
  const estate = generateEstate({
    clusters: clusters.length,
    servicesPerCluster: perCluster,
    workloadsPerService: 1,
    servicesPerNamespace: 50,
    federateEvery: Number.MAX_SAFE_INTEGER,
  });
  const objects = new Map<string, KubeObject[]>();
  let services = 0;
  let deployments = 0;
  clusters.forEach((cluster, c) => {
    const generated = estate.clusters.get(`cluster-${String(c + 1)}`) ?? [];
    const wanted: KubeObject[] = [];
    for (const { object } of generated) {
      if (!isApplication(object)) continue;
      if (object.kind === 'Namespace') wanted.push(object);
      else if (object.kind === 'Service' && services < destinations) {
        wanted.push(object);
        services++;
      } else if (object.kind === 'Deployment' && deployments < destinations) {
        const spec = (object as { spec?: Record<string, unknown> }).spec ?? {};
        wanted.push({ ...object, spec: { ...spec, paused: true } });
        deployments++;
      }
    }
    objects.set(cluster, wanted);
  });
  return { objects, destinations: services, workloads: deployments };
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inBatches<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) {
      const item = items[i];
      if (item !== undefined) await work(item);
    }
  });
  await Promise.all(workers);
}

/**
 * Creates one cluster's objects: Namespaces first (Services and Deployments need them), then the rest
 * with `concurrency` requests in flight. An object that already exists counts as created (a retried
 * create may have been made by its first attempt); a request that timed out is retried a few times.
 */
export async function createEstate(
  client: KubeClient,
  objects: readonly KubeObject[],
  concurrency: number,
  progress: { created: number } = { created: 0 },
): Promise<number> {
  const create = async (object: KubeObject) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.create(object);
        progress.created++;
        return;
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 409) {
          progress.created++;
          return;
        }
        // A busy shared machine: an API server that did not answer in time, or asked to slow down.
        const transient =
          error instanceof KubeApiError && (error.status === 0 || error.status === 429 || error.status >= 500);
        if (!transient || attempt === 5) throw error;
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  };
  const namespaces = objects.filter((o) => o.kind === 'Namespace');
  await inBatches(namespaces, concurrency, create);
  await inBatches(
    objects.filter((o) => o.kind !== 'Namespace'),
    concurrency,
    create,
  );
  return objects.length;
}

// Where the dashboard's data comes from: a list+watch cache of the management cluster's Mesh Hub
// objects (never Secrets), indexed once per change, and — for detail pages — the registered clusters'
// outputs, read with each cluster's registration credentials and kept for a few seconds.
import type { KubeObject } from '../api/meta.ts';
import { readRegisteredOutputs } from './registered-outputs.ts';
import type { ClusterReading } from '../cli/describe-model.ts';
import { ClusterCache, type CacheHealth, type WatchSpec } from '../kube/cache.ts';
import type { KubeClient } from '../kube/client.ts';
import {
  ACCESS_POLICY,
  DESTINATION,
  KUBERNETES_CLUSTER,
  MESH,
  TRAFFIC_POLICY,
  VIRTUAL_MESH,
  WORKLOAD,
  type ResourceType,
} from '../kube/resources.ts';
import { EstateIndex, type ClusterState, type EstateObjects } from './estate-view.ts';

/** How long the registered clusters' outputs are kept before a detail page reads them again. */
const OUTPUTS_TTL_MS = 10_000;

export interface EstateSourceOptions {
  readonly mgmt: KubeClient;
  readonly installNamespace: string;
  /** Reads the outputs of the clusters registered in an install namespace (default: with their registration credentials). */
  readonly readOutputs?: (installNamespace: string) => Promise<ClusterReading[]>;
  /** The clock, for "since when" of cluster states. */
  readonly now?: () => number;
}

/** What the dashboard server reads the estate through (EstateSource on a cluster; a fixed estate in the bench). */
export interface EstateReader {
  readonly installNamespace: string;
  readonly revision: number;
  synced(): boolean;
  health(): Pick<CacheHealth, 'lastError'>;
  index(): EstateIndex;
  onChange(listener: (revision: number) => void): () => void;
  since(cluster: string, state: ClusterState): string;
  outputs(installNamespace: string): Promise<ClusterReading[]>;
}

export class EstateSource implements EstateReader {
  readonly #cache: ClusterCache;
  readonly #options: EstateSourceOptions;
  readonly #listeners = new Set<(revision: number) => void>();
  #revision = 0;
  #index: EstateIndex | undefined;
  readonly #since = new Map<string, { state: ClusterState; at: string }>();
  readonly #outputs = new Map<string, { at: number; readings: Promise<ClusterReading[]> }>();

  constructor(options: EstateSourceOptions) {
    this.#options = options;
    const ns = options.installNamespace;
    // Policies and VirtualMeshes may live in any namespace; the rest lives in the install namespace.
    const specs: WatchSpec[] = [
      { type: KUBERNETES_CLUSTER, namespace: ns },
      { type: MESH, namespace: ns },
      { type: WORKLOAD, namespace: ns },
      { type: DESTINATION, namespace: ns },
      { type: TRAFFIC_POLICY },
      { type: ACCESS_POLICY },
      { type: VIRTUAL_MESH },
    ];
    this.#cache = new ClusterCache(options.mgmt, specs, () => {
      this.#revision++;
      this.#index = undefined;
      for (const listener of this.#listeners) listener(this.#revision);
    });
  }

  get installNamespace(): string {
    return this.#options.installNamespace;
  }

  start(): void {
    this.#cache.start();
  }

  stop(): void {
    this.#cache.stop();
    this.#listeners.clear();
  }

  health(): CacheHealth {
    return this.#cache.health();
  }

  synced(): boolean {
    return this.#cache.health().synced;
  }

  get revision(): number {
    return this.#revision;
  }

  /** Calls `listener` with the new revision after every change; returns how to stop. */
  onChange(listener: (revision: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  objects(): EstateObjects {
    const of = (type: ResourceType): readonly KubeObject[] => this.#cache.objectsOf(type);
    return {
      clusters: of(KUBERNETES_CLUSTER),
      meshes: of(MESH),
      workloads: of(WORKLOAD),
      destinations: of(DESTINATION),
      trafficPolicies: of(TRAFFIC_POLICY),
      accessPolicies: of(ACCESS_POLICY),
      virtualMeshes: of(VIRTUAL_MESH),
    };
  }

  index(): EstateIndex {
    this.#index ??= new EstateIndex(this.objects(), this.#revision);
    return this.#index;
  }

  /** When this dashboard first saw `cluster` in `state` (its state's start is not recorded on the object). */
  since(cluster: string, state: ClusterState): string {
    const known = this.#since.get(cluster);
    if (known?.state === state) return known.at;
    const at = new Date((this.#options.now ?? Date.now)()).toISOString();
    this.#since.set(cluster, { state, at });
    return at;
  }

  /** The registered clusters' outputs for an install namespace, read at most every few seconds. */
  async outputs(installNamespace: string): Promise<ClusterReading[]> {
    const now = Date.now();
    const cached = this.#outputs.get(installNamespace);
    if (cached !== undefined && now - cached.at < OUTPUTS_TTL_MS) return cached.readings;
    const read = this.#options.readOutputs ?? ((ns: string) => readRegisteredOutputs(this.#options.mgmt, ns));
    const readings = read(installNamespace).catch((error: unknown) => {
      this.#outputs.delete(installNamespace);
      throw error;
    });
    this.#outputs.set(installNamespace, { at: now, readings });
    return readings;
  }
}

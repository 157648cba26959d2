// Per-cluster list+watch caches of exactly the resource types Mesh Hub reads. Built on client-node's
// ListWatch (list, then watch from the list's resourceVersion, relist on 410 Gone); this adds restart
// with exponential backoff after errors, "absent" types (CRD not installed: retried slowly), and one
// change callback for the whole cluster. On errors the last listed objects are kept: an unreachable
// cluster keeps its last known state, so nothing is concluded from its silence.
import { ListWatch } from '@kubernetes/client-node';
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { KubeObject } from '../api/meta.ts';
import { KubeApiError, type KubeClient } from './client.ts';
import { resourcePath, type ResourceType } from './resources.ts';

export interface WatchSpec {
  readonly type: ResourceType;
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export type WatchState = 'syncing' | 'synced' | 'absent' | 'error';

export interface CacheHealth {
  readonly cluster: string;
  /** Every type has listed at least once (or is known to be absent). */
  readonly synced: boolean;
  /** No type is currently failing. */
  readonly healthy: boolean;
  /** A watch fails because the API server cannot be reached (not because it answered with an error). */
  readonly unreachable: boolean;
  /** The latest error, without credentials. */
  readonly lastError?: string;
  readonly types: Readonly<Record<string, WatchState>>;
}

const BASE_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 15_000;
const ABSENT_RETRY_MS = 30_000;

class TypeWatch {
  readonly spec: WatchSpec;
  state: WatchState = 'syncing';
  everSynced = false;
  lastError: string | undefined;
  /** The last error was a connection failure rather than an HTTP status. */
  unreachable = false;
  readonly #informer: ListWatch<KubernetesObject>;
  #backoffMs = BASE_BACKOFF_MS;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  readonly #onChange: () => void;

  constructor(client: KubeClient, spec: WatchSpec, onChange: () => void) {
    this.spec = spec;
    this.#onChange = onChange;
    const listFn = async (): Promise<KubernetesListObject<KubernetesObject>> => {
      const list = await client.list(spec.type, {
        ...(spec.namespace === undefined ? {} : { namespace: spec.namespace }),
        ...(spec.labelSelector === undefined ? {} : { labelSelector: spec.labelSelector }),
        ...(spec.fieldSelector === undefined ? {} : { fieldSelector: spec.fieldSelector }),
      });
      this.state = 'synced';
      this.everSynced = true;
      this.lastError = undefined;
      this.unreachable = false;
      this.#backoffMs = BASE_BACKOFF_MS;
      // A (re)list replaces the cache: tell the owner even when it holds no items.
      queueMicrotask(this.#onChange);
      return list as unknown as KubernetesListObject<KubernetesObject>;
    };
    this.#informer = new ListWatch(
      resourcePath(spec.type, spec.namespace),
      client.watcher(),
      listFn,
      false,
      spec.labelSelector,
      spec.fieldSelector,
    );
    this.#informer.on('add', onChange);
    this.#informer.on('update', onChange);
    this.#informer.on('delete', onChange);
    this.#informer.on('error', (error: unknown) => {
      this.#failed(error);
    });
  }

  start(): void {
    this.#stopped = false;
    void this.#informer.start().catch((error: unknown) => {
      this.#failed(error);
    });
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    void this.#informer.stop();
  }

  objects(): KubeObject[] {
    return this.#informer.list() as unknown as KubeObject[];
  }

  #failed(error: unknown): void {
    if (this.#stopped) return;
    const status = error instanceof KubeApiError ? error.status : (error as { statusCode?: unknown }).statusCode;
    let delay: number;
    if (status === 404) {
      // The CRD is not installed on this cluster: nothing to read; look again later.
      this.state = 'absent';
      this.lastError = undefined;
      delay = ABSENT_RETRY_MS;
    } else {
      this.state = 'error';
      this.unreachable = typeof status !== 'number' || status === 0;
      this.lastError = error instanceof Error ? error.message : String(error);
      delay = this.#backoffMs;
      this.#backoffMs = Math.min(this.#backoffMs * 2, MAX_BACKOFF_MS);
    }
    void this.#informer.stop();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#stopped) this.start();
    }, delay);
    this.#timer.unref();
    this.#onChange();
  }
}

export class ClusterCache {
  readonly client: KubeClient;
  readonly #watches: TypeWatch[];

  constructor(client: KubeClient, specs: readonly WatchSpec[], onChange: () => void) {
    this.client = client;
    this.#watches = specs.map((spec) => new TypeWatch(client, spec, onChange));
  }

  get cluster(): string {
    return this.client.cluster;
  }

  start(): void {
    for (const watch of this.#watches) watch.start();
  }

  stop(): void {
    for (const watch of this.#watches) watch.stop();
  }

  /** Every object of every watched type (last known state when a type is failing). */
  objects(): KubeObject[] {
    return this.#watches.flatMap((watch) => watch.objects());
  }

  objectsOf(type: ResourceType): KubeObject[] {
    return this.#watches
      .filter((watch) => watch.spec.type.group === type.group && watch.spec.type.kind === type.kind)
      .flatMap((watch) => watch.objects());
  }

  health(): CacheHealth {
    const types: Record<string, WatchState> = {};
    let lastError: string | undefined;
    for (const watch of this.#watches) {
      types[watch.spec.type.kind] = watch.state;
      if (watch.state === 'error' && watch.lastError !== undefined) lastError = watch.lastError;
    }
    return {
      cluster: this.cluster,
      synced: this.#watches.every((watch) => watch.everSynced || watch.state === 'absent'),
      healthy: this.#watches.every((watch) => watch.state !== 'error'),
      unreachable: this.#watches.some((watch) => watch.state === 'error' && watch.unreachable),
      ...(lastError === undefined ? {} : { lastError }),
      types,
    };
  }

  /** Whether the first listing of every type has finished (successfully, absent, or with an error). */
  settled(): boolean {
    return this.#watches.every((watch) => watch.state !== 'syncing' || watch.everSynced);
  }
}

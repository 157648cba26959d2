// Per-cluster list+watch caches of exactly the resource types Mesh Hub reads. Each type lists, then
// watches from the list's resourceVersion (bookmarks requested, so the version keeps moving on quiet
// types); a watch that ends or breaks resumes from the last version seen, and only 410 Gone (as an
// HTTP status or an ERROR event) relists. A successful (re)watch or list clears the type's error.
// On errors the last known objects are kept: an unreachable cluster keeps its last known state, so
// nothing is concluded from its silence. A 404 means "absent" only for an optional kind (a CRD that
// need not be installed); for a required kind it is an error and the cache is not synced.
// Objects are kept as projected by cache-projection.ts, and a change nobody reads calls no one.
import type { KubeObject } from '../api/meta.ts';
import { projectForCache, projectionChanged } from './cache-projection.ts';
import { KubeApiError, type KubeClient, type WatchEvent, type WatchHandle } from './client.ts';
import { resourcePath, type ResourceType } from './resources.ts';

export interface WatchSpec {
  readonly type: ResourceType;
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /**
   * Whether the type must be served (default true). A 404 on a required type makes the cache not
   * synced (never "empty"); on an optional one (a CRD that may not be installed) the type is absent.
   */
  readonly required?: boolean;
}

export type WatchState = 'syncing' | 'synced' | 'absent' | 'error';

/** One object a watch event changed (as the cache holds it); absent for anything else (a relist, health). */
export interface CacheChange {
  readonly type: ResourceType;
  readonly object: KubeObject;
  readonly deleted: boolean;
}

export interface CacheHealth {
  readonly cluster: string;
  /** Every type holds a complete listing (or is an optional type known to be absent). */
  readonly synced: boolean;
  /** No type is currently failing. */
  readonly healthy: boolean;
  /** A watch fails because the API server cannot be reached (not because it answered with an error). */
  readonly unreachable: boolean;
  /** The latest error, without credentials. */
  readonly lastError?: string;
  readonly types: Readonly<Record<string, WatchState>>;
}

export interface CacheTimings {
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  /** How often an absent optional type is looked for again. */
  readonly absentRetryMs: number;
  /** Server-side end of each watch (then it resumes from the last version), randomised ±20 %. */
  readonly watchTimeoutSeconds: number;
  /** Items per list page: each page stays far below the response size cap, and only projections are kept. */
  readonly listPageSize: number;
}

export const DEFAULT_TIMINGS: CacheTimings = {
  baseBackoffMs: 500,
  maxBackoffMs: 15_000,
  absentRetryMs: 30_000,
  watchTimeoutSeconds: 300,
  listPageSize: 500,
};

/** A watch that ends normally sooner than this after it opened is retried with back-off, not at once. */
const SHORT_WATCH_MS = 1000;

function jittered(ms: number): number {
  return Math.round(ms * (0.8 + Math.random() * 0.4));
}

function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

class TypeWatch {
  readonly spec: WatchSpec;
  readonly required: boolean;
  state: WatchState = 'syncing';
  /** The store holds a complete listing (a relist or a resumed watch keeps it current). */
  listed = false;
  /** A required type answered 404: what the store holds cannot be trusted to be complete. */
  missing = false;
  lastError: string | undefined;
  /** The last error was a connection failure rather than an HTTP status. */
  unreachable = false;
  readonly #client: KubeClient;
  readonly #timings: CacheTimings;
  readonly #onChange: (change?: CacheChange) => void;
  readonly #path: string;
  #store = new Map<string, KubeObject>();
  #resourceVersion: string | undefined;
  #backoffMs: number;
  #timer: NodeJS.Timeout | undefined;
  #stream: WatchHandle | undefined;
  #stopped = true;
  /** Bumped by start and stop: callbacks of an older run are ignored. */
  #run = 0;

  constructor(client: KubeClient, spec: WatchSpec, timings: CacheTimings, onChange: (change?: CacheChange) => void) {
    this.spec = spec;
    this.required = spec.required ?? true;
    this.#client = client;
    this.#timings = timings;
    this.#onChange = onChange;
    this.#backoffMs = timings.baseBackoffMs;
    this.#path = resourcePath(spec.type, spec.namespace);
  }

  get synced(): boolean {
    return (this.listed && !this.missing) || this.state === 'absent';
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const run = ++this.#run;
    void this.#list(run);
  }

  stop(): void {
    this.#stopped = true;
    this.#run++;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stream?.stop();
    this.#stream = undefined;
  }

  objects(): KubeObject[] {
    return [...this.#store.values()];
  }

  /** The object of this namespace and name, if the store holds it. */
  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#store.get(`${namespace ?? ''}/${name}`);
  }

  async #list(run: number): Promise<void> {
    const next = new Map<string, KubeObject>();
    let changed = !this.listed;
    let resourceVersion: string | undefined;
    let page: string | undefined;
    do {
      let list;
      try {
        list = await this.#client.list(this.spec.type, {
          ...(this.spec.namespace === undefined ? {} : { namespace: this.spec.namespace }),
          ...(this.spec.labelSelector === undefined ? {} : { labelSelector: this.spec.labelSelector }),
          ...(this.spec.fieldSelector === undefined ? {} : { fieldSelector: this.spec.fieldSelector }),
          limit: this.#timings.listPageSize,
          ...(page === undefined ? {} : { continue: page }),
        });
      } catch (error) {
        // 410 on a later page: its continue token expired; the relist starts over.
        if (run === this.#run) this.#failed(run, error, 'list');
        return;
      }
      if (run !== this.#run) return;
      for (const item of list.items) {
        const object = projectForCache(item);
        const key = keyOf(object);
        if (!changed && projectionChanged(this.#store.get(key), object)) changed = true;
        next.set(key, object);
      }
      resourceVersion = list.metadata.resourceVersion;
      page = list.metadata.continue;
    } while (page !== undefined && page !== '');
    if (next.size !== this.#store.size) changed = true;
    this.#store = next;
    this.#resourceVersion = resourceVersion;
    const healthChanged = this.#healthy();
    this.listed = true;
    // A (re)list replaces the cache: the first one is news even when it holds nothing.
    if (changed || healthChanged) this.#onChange();
    this.#watch(run);
  }

  /** Clears the error state; true when that changed the type's health. */
  #healthy(): boolean {
    const changed = this.state !== 'synced' || this.missing;
    this.state = 'synced';
    this.missing = false;
    this.lastError = undefined;
    this.unreachable = false;
    this.#backoffMs = this.#timings.baseBackoffMs;
    return changed;
  }

  #watch(run: number): void {
    const resourceVersion = this.#resourceVersion;
    if (resourceVersion === undefined || resourceVersion === '') {
      // Nothing to resume from (a server that gives no version): list again later.
      this.#retry(run, this.#timings.maxBackoffMs, 'list');
      return;
    }
    let openedAt = 0;
    this.#stream = this.#client.watch(
      this.#path,
      {
        resourceVersion,
        timeoutSeconds: jittered(this.#timings.watchTimeoutSeconds),
        ...(this.spec.labelSelector === undefined ? {} : { labelSelector: this.spec.labelSelector }),
        ...(this.spec.fieldSelector === undefined ? {} : { fieldSelector: this.spec.fieldSelector }),
      },
      {
        onOpen: () => {
          if (run !== this.#run) return;
          openedAt = Date.now();
          // The watch resumed where the store left off: the store is current and the type healthy again.
          if (this.#healthy()) this.#onChange();
        },
        onEvent: (event) => {
          if (run === this.#run) this.#event(run, event);
        },
        onClose: (error) => {
          if (run !== this.#run) return;
          this.#stream = undefined;
          if (error !== undefined) {
            // An idle or black-holed stream is reconnected at once; only a failing reconnect is an error.
            if (error.reason === 'Timeout' && openedAt > 0) this.#watch(run);
            else this.#failed(run, error, 'watch');
          } else if (openedAt > 0 && Date.now() - openedAt >= SHORT_WATCH_MS) {
            this.#watch(run);
          } else {
            this.#retry(run, this.#nextBackoff(), 'watch');
          }
        },
      },
    );
  }

  #event(run: number, event: WatchEvent): void {
    const object = event.object as KubeObject | undefined;
    switch (event.type) {
      case 'BOOKMARK': {
        const version = object?.metadata.resourceVersion;
        if (version !== undefined && version !== '') this.#resourceVersion = version;
        return;
      }
      case 'ADDED':
      case 'MODIFIED': {
        if (object?.metadata === undefined) return;
        const projected = projectForCache(object);
        const key = keyOf(projected);
        const changed = projectionChanged(this.#store.get(key), projected);
        this.#store.set(key, projected);
        this.#resourceVersion = object.metadata.resourceVersion ?? this.#resourceVersion;
        if (changed) this.#onChange({ type: this.spec.type, object: projected, deleted: false });
        return;
      }
      case 'DELETED': {
        if (object?.metadata === undefined) return;
        const key = keyOf(object);
        const existing = this.#store.get(key);
        this.#store.delete(key);
        this.#resourceVersion = object.metadata.resourceVersion ?? this.#resourceVersion;
        if (existing !== undefined) this.#onChange({ type: this.spec.type, object: existing, deleted: true });
        return;
      }
      case 'ERROR': {
        // The event's object is a Status: 410 Gone means the version is compacted away.
        const status = object as unknown as { code?: unknown; reason?: unknown; message?: unknown } | undefined;
        const code = typeof status?.code === 'number' ? status.code : 0;
        const reason = typeof status?.reason === 'string' ? status.reason : 'Unknown';
        const message = typeof status?.message === 'string' ? status.message : 'error event';
        this.#stream?.stop();
        this.#stream = undefined;
        this.#failed(
          run,
          new KubeApiError(
            this.#client.cluster,
            code,
            reason,
            `cluster ${this.#client.cluster}: WATCH ${this.#path}: ${String(code)} ${message}`,
          ),
          'watch',
        );
        return;
      }
      default:
        return;
    }
  }

  #nextBackoff(): number {
    const delay = jittered(this.#backoffMs);
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#timings.maxBackoffMs);
    return delay;
  }

  #failed(run: number, error: unknown, phase: 'list' | 'watch'): void {
    if (this.#stopped) return;
    const status = error instanceof KubeApiError ? error.status : 0;
    if (status === 410) {
      // The version is gone (compaction): relist now; the store is kept until the new list replaces it.
      void this.#list(run);
      return;
    }
    const before = `${this.state}/${String(this.missing)}/${String(this.unreachable)}`;
    let delay: number;
    let next: 'list' | 'watch' = phase === 'watch' && this.listed && !this.missing ? 'watch' : 'list';
    if (status === 404 && !this.required) {
      // An optional kind whose CRD is not installed on this cluster: nothing to read; look again later.
      this.state = 'absent';
      this.lastError = undefined;
      this.unreachable = false;
      delay = this.#timings.absentRetryMs;
      next = 'list';
    } else {
      this.state = 'error';
      this.unreachable = status === 0;
      this.lastError = error instanceof Error ? error.message : String(error);
      if (status === 404) {
        // A required kind is not served: not synced (never "empty"); the last known objects stay.
        this.missing = true;
        next = 'list';
      }
      delay = this.#nextBackoff();
    }
    this.#retry(run, delay, next);
    if (before !== `${this.state}/${String(this.missing)}/${String(this.unreachable)}`) this.#onChange();
  }

  #retry(run: number, delay: number, next: 'list' | 'watch'): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (run !== this.#run) return;
      if (next === 'watch') this.#watch(run);
      else void this.#list(run);
    }, delay);
    this.#timer.unref();
  }
}

export class ClusterCache {
  readonly client: KubeClient;
  readonly #watches: TypeWatch[];

  constructor(
    client: KubeClient,
    specs: readonly WatchSpec[],
    onChange: (change?: CacheChange) => void,
    timings: Partial<CacheTimings> = {},
  ) {
    this.client = client;
    const resolved = { ...DEFAULT_TIMINGS, ...timings };
    this.#watches = specs.map((spec) => new TypeWatch(client, spec, resolved, onChange));
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

  /** What the caches hold under the identity of `ref` (its group, kind, namespace and name), if anything. */
  find(ref: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): KubeObject | undefined {
    const slash = ref.apiVersion.indexOf('/');
    const group = slash === -1 ? '' : ref.apiVersion.slice(0, slash);
    for (const watch of this.#watches) {
      if (watch.spec.type.group !== group || watch.spec.type.kind !== ref.kind) continue;
      const found = watch.get(ref.metadata.namespace, ref.metadata.name);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** Every object of the watched types `wanted` says yes to (asked once per type, not per object). */
  objectsWhere(wanted: (type: ResourceType) => boolean): KubeObject[] {
    return this.#watches.filter((watch) => wanted(watch.spec.type)).flatMap((watch) => watch.objects());
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
      synced: this.#watches.every((watch) => watch.synced),
      healthy: this.#watches.every((watch) => watch.state !== 'error'),
      unreachable: this.#watches.some((watch) => watch.state === 'error' && watch.unreachable),
      ...(lastError === undefined ? {} : { lastError }),
      types,
    };
  }

  /** Whether the first listing of every type has finished (successfully, absent, or with an error). */
  settled(): boolean {
    return this.#watches.every((watch) => watch.state !== 'syncing' || watch.listed);
  }
}

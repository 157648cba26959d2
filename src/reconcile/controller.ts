// The live management plane: list+watch caches of the management cluster and of every registered
// cluster; any change marks the world dirty and one debounced, single-flight reconcile follows:
// snapshot → render (discover, validate, translate: the pure core) → apply → status.
//
// Faults (issue 14): the first pass waits until every registered cluster has listed once (or its
// sync timeout passed); a cluster whose objects are not known renders with its last discovered
// objects, so nothing elsewhere is deleted because of it; a changed registration keeps the old
// cache until the new one has listed; each workload cluster is applied by its own single-flight
// worker with a deadline, so a slow cluster never holds up the others; outputs of a VirtualMesh
// or policy that is not valid now are kept (retention.ts); every write is checked against the
// Lease first.
import type { Logger } from 'pino';
import { CLUSTER_ANNOTATION, DISCOVERY_CLUSTER_LABEL, DISCOVERY_OWNER_LABEL } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import { applyToCluster, type ApplyResult } from '../kube/apply.ts';
import { ClusterCache, type CacheChange, type CacheHealth, type WatchSpec } from '../kube/cache.ts';
import { contentDiffers } from '../kube/diff.ts';
import { clientFromKubeconfigText, type KubeClient } from '../kube/client.ts';
import { ownedBy, readIdentity, withIdentity } from '../kube/ownership.ts';
import {
  CERTIFICATE_REQUEST,
  DISCOVERED_KINDS,
  DISCOVERY_INPUT_TYPES,
  KUBERNETES_CLUSTER,
  MANAGEMENT_INPUT_KINDS,
  MESH_HUB_TYPES,
  SECRET,
  SETTINGS,
  TRANSLATION_INPUT_TYPES,
  VIRTUAL_MESH,
  WORKLOAD_OUTPUT_TYPES,
} from '../kube/resources.ts';
import type { VirtualMesh } from '../networking/model.ts';
import { changedOutputs } from '../pipeline/incremental/changed-outputs.ts';
import { renderIncremental, type RenderState } from '../pipeline/incremental/incremental-render.ts';
import type { RenderResult } from '../pipeline/render.ts';
import { objectKey } from '../kube/resources.ts';
import { ReconcileLoop } from './loop.ts';
import { holdsOf, retainedOutputs, withRetentionNotes, type Hold } from './retention.ts';
import { checkManagementObject } from '../pipeline/validate-input.ts';
import type { InputObject, InputSnapshot } from '../snapshot/input.ts';
import type { ControllerMetrics } from './metrics.ts';
import { DEFAULT_RENEW_AT, renewIfDue } from './token-renewal.ts';
import { KUBECONFIG_SECRET_TYPE, registrations, type Registration } from './registered-clusters.ts';
import { Issuer, RootCertificates, withRollWaiting } from './trust.ts';

export interface ControllerOptions {
  readonly mgmt: KubeClient;
  readonly installNamespace: string;
  readonly logger: Logger;
  readonly metrics: ControllerMetrics;
  /** Quiet time after the last change before a reconcile starts. */
  readonly debounceMs?: number;
  /** Fraction of a registration token's lifetime after which the leader renews it. */
  readonly renewTokensAt?: number;
  /** How long the first reconcile waits for a registered cluster's first listing (then: unknown, last state kept). */
  readonly clusterSyncTimeoutMs?: number;
  /** Overall deadline of one cluster's apply; after it that apply is abandoned and the cluster counts as unreachable. */
  readonly clusterApplyDeadlineMs?: number;
  /** Checked before every write (the Lease is still held); see LeaderElector.stillLeading(). */
  readonly stillLeading?: () => boolean;
}

/** A watch of one registered cluster under one set of credentials. */
interface ClusterConnection {
  readonly fingerprint: string;
  readonly secretName: string;
  readonly kubeconfig: string;
  readonly cache: ClusterCache;
}

/** What a cluster's worker applies next: the latest render's outputs for it. */
interface ClusterWork {
  readonly desired: readonly KubeObject[];
  readonly holds: readonly Hold[];
  /** Its discovery failed: apply, but delete nothing there. */
  readonly keepAll: boolean;
  /** This management plane's identity: only outputs carrying it are ever deleted. */
  readonly identity: string;
}

interface RegisteredCluster {
  readonly name: string;
  current: ClusterConnection;
  /** New credentials being tried: replaces `current` once it has listed every type. */
  replacement?: ClusterConnection;
  readonly registeredAt: number;
  readonly worker: ReconcileLoop;
  work?: ClusterWork;
  /** Its outputs changed (or its work did, or an apply failed) since its worker last applied. */
  applyPending?: boolean;
  /**
   * Outputs that changed since its worker last applied (by object key; a changed or gone object as
   * reference), when only those need planning: not set while `applyPending` plans everything.
   */
  pendingChanges?: Map<string, KubeObject>;
  /** Its caches changed since its worker last applied: what it holds may have drifted. */
  drifted?: boolean;
  /** The last apply overran its deadline (cleared by the next apply that finishes). */
  overran?: string;
}

const DEFAULT_CLUSTER_SYNC_TIMEOUT_MS = 30_000;
const DEFAULT_CLUSTER_APPLY_DEADLINE_MS = 20_000;
/** A partly failed pass (unreachable cluster, rejected object) is tried again after this long. */
const RETRY_PARTIAL_MS = 5000;

const TOKEN_CHECK_INTERVAL_MS = 10 * 60 * 1000;

export interface ClusterState {
  readonly name: string;
  readonly registered: boolean;
  readonly error?: string;
  readonly health?: CacheHealth;
  readonly lastApply?: ApplyResult;
}

export interface ReconcileSummary {
  readonly durationMs: number;
  readonly written: number;
  readonly results: readonly ApplyResult[];
}

const MESH_HUB_KINDS = new Set(MESH_HUB_TYPES.map((type) => type.kind));
const DISCOVERED = new Set<string>(DISCOVERED_KINDS);
const MANAGEMENT_INPUTS = new Set<string>(MANAGEMENT_INPUT_KINDS);
const CLUSTER_WIDE_INPUTS = new Set(['TrafficPolicy', 'AccessPolicy', 'VirtualMesh', 'VirtualDestination']);

function isMeshHubObject(object: KubeObject): boolean {
  return MESH_HUB_KINDS.has(object.kind) && object.apiVersion.includes('.solo.io/');
}

/**
 * What a registered cluster's cache watches: discovery's inputs, the kinds Mesh Hub writes there,
 * what translators read besides (Linkerd Links), and the cert agent's CertificateRequests (for the
 * issuer).
 */
function workloadClusterWatches(): WatchSpec[] {
  // Built-in kinds must be served; the CRD-backed ones (Istio, certificates) may be absent.
  const readOnly = TRANSLATION_INPUT_TYPES.filter((type) => !WORKLOAD_OUTPUT_TYPES.includes(type));
  return [
    ...DISCOVERY_INPUT_TYPES.map((type) => ({ type })),
    // Read-only mesh configuration the translators look at (kinds not already watched as outputs).
    ...[...WORKLOAD_OUTPUT_TYPES, ...readOnly, CERTIFICATE_REQUEST].map((type) => ({ type, required: false })),
  ];
}

/** Objects read from the caches come from no file. */
const FROM_CACHE: InputObject['source'] = Object.freeze({});

/** The kinds of a registered cluster that a render reads: discovery's inputs and the translators'. */
const RENDER_INPUT_KINDS: ReadonlySet<string> = new Set(
  [...DISCOVERY_INPUT_TYPES, ...TRANSLATION_INPUT_TYPES].map((type) => `${type.group}/${type.kind}`),
);

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class Controller {
  readonly #options: ControllerOptions;
  readonly #log: Logger;
  readonly #mgmtCache: ClusterCache;
  readonly #clusters = new Map<string, RegisteredCluster>();
  #registrationErrors = new Map<string, string>();
  readonly #lastApply = new Map<string, ApplyResult>();
  #leading = false;
  #tokenTimer: NodeJS.Timeout | undefined;
  readonly #renewing = new Set<string>();
  #stopped = false;
  /** Set once the first pass ran: later passes do not wait for new registrations to list. */
  #firstPassDone = false;
  #reconciled = 0;
  readonly #listeners = new Set<(summary: ReconcileSummary) => void>();
  readonly #roots: RootCertificates;
  readonly #issuer: Issuer;
  /** This management plane's identity (src/kube/ownership.ts), read once before the first reconcile. */
  #identity: string | undefined;
  readonly #loop: ReconcileLoop;
  /** Clusters whose discovery failed in the last render, with the error. */
  #discoveryErrors = new Map<string, string>();
  /** Objects whose translation threw in the last render: checked first next time. */
  #suspects = new Set<string>();
  /** What the last render pass computed, for the next one to start from. */
  #renderState: RenderState | undefined;
  /** The last render pass's result: writes are planned for what changed since. */
  #lastOutput: RenderResult | undefined;
  /** Outputs stamped for applying, per render output object, for one identity (#clusterOutputs). */
  #stamped: { readonly identity: string; readonly objects: WeakMap<KubeObject, KubeObject> } | undefined;
  /** The management cluster's caches changed since its last apply. */
  #mgmtDrifted = true;

  constructor(options: ControllerOptions) {
    this.#options = options;
    this.#log = options.logger;
    const ns = options.installNamespace;
    this.#mgmtCache = new ClusterCache(
      options.mgmt,
      [
        // Policies may live in any namespace of the management cluster (as `meshctl render` reads them);
        // registrations, settings and discovered objects live in the install namespace.
        ...MESH_HUB_TYPES.filter((type) => CLUSTER_WIDE_INPUTS.has(type.kind)).map((type) => ({ type })),
        ...MESH_HUB_TYPES.filter(
          (type) =>
            !CLUSTER_WIDE_INPUTS.has(type.kind) && (MANAGEMENT_INPUTS.has(type.kind) || DISCOVERED.has(type.kind)),
        ).map((type) => ({ type, namespace: ns })),
        { type: SECRET, namespace: ns, fieldSelector: `type=${KUBECONFIG_SECRET_TYPE}` },
      ],
      () => {
        this.#onManagementChange();
      },
    );
    this.#roots = new RootCertificates(
      options.mgmt,
      ns,
      () => {
        this.#markDirty();
      },
      this.#log,
    );
    this.#issuer = new Issuer(ns, this.#log, () => {
      this.#markDirty();
    });
    this.#loop = new ReconcileLoop({
      debounceMs: options.debounceMs ?? 50,
      run: (signal) => this.#reconcile(signal),
      // Before the root CA Secrets are listed, a missing root would mean nothing: wait for them too.
      canRun: () =>
        this.#leading &&
        !this.#stopped &&
        this.#mgmtCache.health().synced &&
        this.#roots.settled() &&
        this.#clustersSettled(),
      onError: (error, retryInMs) => {
        this.#options.metrics.reconciles.inc({ result: 'error' });
        this.#log.error({ error: messageOf(error), retryInMs }, 'reconcile failed');
      },
    });
  }

  start(): void {
    this.#log.info({ installNamespace: this.#options.installNamespace }, 'management plane starting');
    this.#mgmtCache.start();
    this.#tokenTimer = setInterval(() => {
      for (const cluster of this.#clusters.values()) void this.#renewToken(cluster);
    }, TOKEN_CHECK_INTERVAL_MS);
    this.#tokenTimer.unref();
  }

  /**
   * Stops: no pass starts any more; running passes (the reconcile, cluster applies) may finish
   * within `graceMs`, after that they are abandoned and write nothing more. Call before releasing
   * the Lease.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopped = true;
    if (this.#tokenTimer !== undefined) clearInterval(this.#tokenTimer);
    const outcomes = await Promise.all([
      this.#loop.stop(graceMs),
      ...[...this.#clusters.values()].map((cluster) => cluster.worker.stop(graceMs)),
    ]);
    if (outcomes.includes('abandoned')) this.#log.warn({ graceMs }, 'stopping: abandoned a running pass');
    this.#mgmtCache.stop();
    this.#roots.stop();
    for (const cluster of this.#clusters.values()) {
      cluster.current.cache.stop();
      cluster.replacement?.cache.stop();
    }
    this.#clusters.clear();
  }

  /** Only the Lease holder reconciles; a standby keeps its caches warm. */
  setLeading(leading: boolean): void {
    this.#leading = leading;
    this.#options.metrics.leader.set(leading ? 1 : 0);
    if (leading) {
      // Another leader may have written meanwhile: the first pass plans every write.
      this.#lastOutput = undefined;
      this.#mgmtDrifted = true;
      for (const cluster of this.#clusters.values()) {
        cluster.applyPending = true;
        void this.#renewToken(cluster);
      }
      this.#markDirty();
    }
  }

  /** Ready once the management cluster and every registered cluster have finished their first listing. */
  ready(): boolean {
    return (
      this.#mgmtCache.health().synced &&
      [...this.#clusters.values()].every((cluster) => cluster.current.cache.settled())
    );
  }

  reconcileCount(): number {
    return this.#reconciled;
  }

  onReconciled(listener: (summary: ReconcileSummary) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  clusters(): ClusterState[] {
    const names = new Set([...this.#clusters.keys(), ...this.#registrationErrors.keys()]);
    return [...names].sort().map((name) => {
      const cluster = this.#clusters.get(name);
      const error = this.#registrationErrors.get(name) ?? this.#discoveryErrors.get(name) ?? cluster?.overran;
      const lastApply = this.#lastApply.get(name);
      return {
        name,
        registered: cluster !== undefined,
        ...(error === undefined ? {} : { error }),
        ...(cluster === undefined ? {} : { health: cluster.current.cache.health() }),
        ...(lastApply === undefined ? {} : { lastApply }),
      };
    });
  }

  /** Whether this replica may write now: leading, the Lease renewed in time, the pass not abandoned. */
  #mayWrite(signal: AbortSignal): boolean {
    return this.#leading && !signal.aborted && (this.#options.stillLeading?.() ?? true);
  }

  /**
   * The first pass waits for every registered cluster's first listing, or for its sync timeout;
   * a cluster still not listed then counts as unknown (rendered with its last discovered objects).
   */
  #clustersSettled(): boolean {
    if (this.#firstPassDone) return true;
    const timeout = this.#options.clusterSyncTimeoutMs ?? DEFAULT_CLUSTER_SYNC_TIMEOUT_MS;
    const now = performance.now();
    return [...this.#clusters.values()].every(
      (cluster) => cluster.current.cache.settled() || now - cluster.registeredAt >= timeout,
    );
  }

  #onManagementChange(): void {
    if (this.#stopped) return;
    this.#mgmtDrifted = true;
    if (this.#mgmtCache.health().synced) {
      this.#syncRegistrations();
      this.#roots.sync(this.#virtualMeshes(), this.#mgmtCache.objectsOf(SETTINGS));
    }
    this.#markDirty();
  }

  /** The schema-valid VirtualMeshes of the management cluster (their root CAs are watched). */
  #virtualMeshes(): VirtualMesh[] {
    return this.#mgmtCache
      .objectsOf(VIRTUAL_MESH)
      .map((object) => checkManagementObject({ object, source: {} }))
      .flatMap((checked) =>
        checked.outcome === 'valid' && checked.typed.kind === 'VirtualMesh' ? [checked.typed.object] : [],
      );
  }

  #connect(
    registration: Extract<Registration, { outcome: 'ok' }>,
    onChange: (cache: ClusterCache, change?: CacheChange) => void,
  ): ClusterConnection {
    const client = clientFromKubeconfigText(registration.cluster, registration.kubeconfig);
    const cache: ClusterCache = new ClusterCache(client, workloadClusterWatches(), (change) => {
      onChange(cache, change);
    });
    cache.start();
    return {
      fingerprint: registration.fingerprint,
      secretName: registration.secretName,
      kubeconfig: registration.kubeconfig,
      cache,
    };
  }

  /** Starts watches for new or changed registrations and stops them for removed ones. */
  #syncRegistrations(): void {
    const found: Registration[] = registrations(
      this.#mgmtCache.objectsOf(KUBERNETES_CLUSTER),
      this.#mgmtCache.objectsOf(SECRET),
      this.#options.installNamespace,
    );
    const errors = new Map<string, string>();
    const wanted = new Set<string>();
    for (const registration of found) {
      wanted.add(registration.cluster);
      if (registration.outcome === 'error') {
        errors.set(registration.cluster, registration.message);
        continue;
      }
      const existing = this.#clusters.get(registration.cluster);
      if (existing?.current.fingerprint === registration.fingerprint) {
        // Back to the credentials in use: drop a replacement still being tried.
        existing.replacement?.cache.stop();
        delete existing.replacement;
        continue;
      }
      if (existing?.replacement?.fingerprint === registration.fingerprint) continue;
      const name = registration.cluster;
      let connection: ClusterConnection;
      try {
        connection = this.#connect(registration, (cache, change) => {
          this.#onClusterChange(name, cache, change);
        });
      } catch (error) {
        errors.set(name, messageOf(error));
        continue;
      }
      if (existing !== undefined) {
        // Token renewal or a changed kubeconfig: the old cache keeps serving until the new one has listed.
        existing.replacement?.cache.stop();
        existing.replacement = connection;
        this.#log.info({ cluster: name }, 'cluster kubeconfig changed: watching with it before switching');
        continue;
      }
      const worker = new ReconcileLoop({
        debounceMs: 0,
        deadlineMs: this.#options.clusterApplyDeadlineMs ?? DEFAULT_CLUSTER_APPLY_DEADLINE_MS,
        initialBackoffMs: 1000,
        maxBackoffMs: 30_000,
        run: (signal) => this.#applyCluster(name, signal),
        onError: (error, retryInMs) => {
          this.#onApplyFailed(name, error, retryInMs);
        },
      });
      const entry: RegisteredCluster = { name, current: connection, registeredAt: performance.now(), worker };
      this.#clusters.set(name, entry);
      void this.#renewToken(entry);
      // The first pass waits for this cluster's first listing at most this long.
      setTimeout(
        () => {
          this.#markDirty();
        },
        (this.#options.clusterSyncTimeoutMs ?? DEFAULT_CLUSTER_SYNC_TIMEOUT_MS) + 10,
      ).unref();
      this.#log.info({ cluster: name, server: connection.cache.client.server }, 'cluster registered: watching');
    }
    for (const [name, cluster] of this.#clusters) {
      // A registration that became unusable keeps its last cache (last known state) until it is removed.
      if (wanted.has(name)) continue;
      cluster.current.cache.stop();
      cluster.replacement?.cache.stop();
      void cluster.worker.stop(0);
      this.#clusters.delete(name);
      this.#lastApply.delete(name);
      this.#options.metrics.clusterWatchHealthy.remove(name);
      this.#options.metrics.clusterSynced.remove(name);
      this.#log.info({ cluster: name }, 'cluster deregistered: watches stopped');
    }
    for (const [name, message] of errors) {
      if (this.#registrationErrors.get(name) !== message)
        this.#log.warn({ cluster: name, error: message }, 'cluster registration unusable');
    }
    this.#registrationErrors = errors;
  }

  /** A registered cluster's caches changed: switch to a replacement that has listed, then reconcile. */
  #onClusterChange(name: string, cache: ClusterCache, change?: CacheChange): void {
    if (this.#stopped) return;
    const cluster = this.#clusters.get(name);
    const replacement = cluster?.replacement;
    if (cluster !== undefined && replacement !== undefined && replacement.cache.health().synced) {
      cluster.current.cache.stop();
      cluster.current = replacement;
      delete cluster.replacement;
      cluster.drifted = true;
      this.#log.info({ cluster: name }, 'cluster kubeconfig changed: switched to the new watches');
    }
    if (cluster !== undefined && cache === cluster.current.cache) this.#noteDrift(cluster, change);
    this.#markDirty();
  }

  /**
   * What a change on a cluster means for its outputs. One object of a kind Mesh Hub writes there:
   * its own write coming back (the content it applied) is nothing; anything else (an edit, a
   * deletion, an object it did not want) is planned again, that object alone. Any other change that
   * names no object (a relist, a watch recovering) plans the whole cluster. Inputs (Services, …)
   * change outputs through the render, which plans what changed.
   */
  #noteDrift(cluster: RegisteredCluster, change: CacheChange | undefined): void {
    if (change === undefined) {
      cluster.drifted = true;
      return;
    }
    if (!WORKLOAD_OUTPUT_TYPES.some((type) => type.group === change.type.group && type.kind === change.type.kind))
      return;
    const key = objectKey(change.object);
    const applied = cluster.work === undefined ? undefined : desiredByKey(cluster.work).get(key);
    if (!change.deleted && applied !== undefined && !contentDiffers(applied, change.object)) return;
    if (cluster.applyPending === true || cluster.drifted === true) return;
    (cluster.pendingChanges ??= new Map()).set(key, change.object);
  }

  /** The leader renews a registration token once it is due; the Secret's change restarts the watches. */
  async #renewToken(cluster: RegisteredCluster): Promise<void> {
    if (!this.#leading || this.#stopped || this.#renewing.has(cluster.name)) return;
    if (this.#options.stillLeading?.() === false) return;
    this.#renewing.add(cluster.name);
    const connection = cluster.current;
    try {
      const result = await renewIfDue({
        cluster: connection.cache.client,
        mgmt: this.#options.mgmt,
        name: cluster.name,
        secretName: connection.secretName,
        installNamespace: this.#options.installNamespace,
        kubeconfig: connection.kubeconfig,
        renewAt: this.#options.renewTokensAt ?? DEFAULT_RENEW_AT,
        nowSeconds: Date.now() / 1000,
      });
      if (result.outcome === 'renewed') {
        this.#log.info({ cluster: cluster.name, expires: result.expires }, 'registration token renewed');
      }
    } catch (error) {
      this.#log.warn(
        { cluster: cluster.name, error: messageOf(error) },
        'could not renew the registration token; it keeps working until it expires',
      );
    } finally {
      this.#renewing.delete(cluster.name);
    }
  }

  #markDirty(): void {
    if (this.#stopped) return;
    this.#loop.markDirty();
  }

  /** A cluster's last discovered objects, as the management cluster holds them (owned by this install). */
  #lastDiscovered(): (cluster: string) => KubeObject[] {
    let byCluster: Map<string, KubeObject[]> | undefined;
    const ns = this.#options.installNamespace;
    return (cluster) => {
      if (byCluster === undefined) {
        byCluster = new Map();
        for (const object of this.#mgmtCache.objects()) {
          if (!DISCOVERED.has(object.kind) || object.metadata.labels?.[DISCOVERY_OWNER_LABEL] !== ns) continue;
          const owner = object.metadata.labels[DISCOVERY_CLUSTER_LABEL] ?? '';
          const list = byCluster.get(owner);
          if (list === undefined) byCluster.set(owner, [object]);
          else list.push(object);
        }
      }
      return byCluster.get(cluster) ?? [];
    };
  }

  #snapshot(known: readonly RegisteredCluster[], unknown: ReadonlySet<string>): InputSnapshot {
    const mgmt: InputObject[] = this.#mgmtCache
      .objectsWhere((type) => MANAGEMENT_INPUTS.has(type.kind))
      .filter(isMeshHubObject)
      .map((object) => ({ object, source: FROM_CACHE }));
    const clusters = new Map<string, InputObject[]>();
    for (const cluster of known) {
      const objects = cluster.current.cache
        // Discovery's inputs, and what translators read (hand-written VirtualServices change what may be translated).
        .objectsWhere((type) => RENDER_INPUT_KINDS.has(`${type.group}/${type.kind}`))
        .map((object) => ({ object, source: FROM_CACHE }));
      clusters.set(cluster.name, objects);
    }
    // Unknown clusters take part with their last discovered objects (render options), not as empty.
    for (const name of unknown) clusters.set(name, []);
    return {
      installNamespace: this.#options.installNamespace,
      mgmt,
      clusters,
      rootCertificates: withRollWaiting(this.#roots.certificates(), this.#issuer.rollWaiting()),
    };
  }

  async #reconcile(signal: AbortSignal): Promise<void> {
    const started = performance.now();
    const ns = this.#options.installNamespace;
    const all = [...this.#clusters.values()];
    for (const cluster of all) {
      const health = cluster.current.cache.health();
      this.#options.metrics.clusterWatchHealthy.set({ cluster: cluster.name }, health.healthy ? 1 : 0);
      this.#options.metrics.clusterSynced.set({ cluster: cluster.name }, health.synced ? 1 : 0);
    }
    // A cluster whose caches have never listed is unknown, not empty: it renders with its last
    // discovered objects and nothing of it is deleted. So is a cluster whose registration broke.
    const known = all.filter((cluster) => cluster.current.cache.health().synced);
    const unknown = new Set([
      ...all.filter((cluster) => !cluster.current.cache.health().synced).map((cluster) => cluster.name),
      ...[...this.#registrationErrors.keys()].filter((name) => !this.#clusters.has(name)),
    ]);
    // Generated root CAs exist before the IssuedCertificates that name them are written.
    // An unusable root Secret fails only the VirtualMeshes naming it (trust.ts); anything thrown here
    // beyond that is the trust's error, never the estate's.
    const trustErrors = this.#mayWrite(signal)
      ? await this.#roots.ensureGenerated().catch((error: unknown) => [`root CAs: ${messageOf(error)}`])
      : [];
    const identity = (this.#identity ??= await readIdentity(this.#options.mgmt, ns));
    // From the last pass: only what changed since is recomputed (pipeline/incremental/).
    const pass = renderIncremental(this.#renderState, this.#snapshot(known, unknown), {
      unknownClusters: unknown,
      lastDiscovered: this.#lastDiscovered(),
      suspects: this.#suspects,
    });
    this.#renderState = pass.state;
    const output = pass.result;
    // What changed since the last pass (kept outputs are the same objects): only that is planned.
    const changed = this.#lastOutput === undefined ? undefined : changedOutputs(this.#lastOutput, output);
    this.#lastOutput = output;
    this.#firstPassDone = true;
    this.#suspects = new Set(output.objectErrors.keys());
    this.#discoveryErrors = new Map(output.clusterErrors);
    for (const [object, error] of output.objectErrors) this.#log.warn({ object, error }, 'translation failed');
    for (const [cluster, error] of output.clusterErrors) this.#log.warn({ cluster, error }, 'discovery failed');
    // Discovered objects of a cluster whose discovery failed stand in unchanged: none is deleted.
    for (const cluster of output.clusterErrors.keys()) unknown.add(cluster);

    // Fail closed: outputs of a VirtualMesh or policy that is not valid now are kept (retention.ts).
    const holds = holdsOf(output.mgmt, output.objectErrors);
    const retained = new Map<string, Map<KubeObject, Hold[]>>();
    // (Nothing to look at while no parent is held: the usual case costs nothing.)
    for (const cluster of holds.length === 0 ? [] : known) {
      const desired = new Set((output.clusters.get(cluster.name) ?? []).map(objectKey));
      const undesired = ownedOutputs(cluster.current.cache, ns, identity).filter(
        (object) => !desired.has(objectKey(object)),
      );
      const kept = retainedOutputs(cluster.name, undesired, holds);
      if (kept.size > 0) retained.set(cluster.name, kept);
    }
    const forMgmt = (object: KubeObject): KubeObject =>
      object.kind === 'KubernetesCluster'
        ? this.#withClusterStatus(object)
        : DISCOVERED.has(object.kind)
          ? withIdentity(object, identity)
          : object;

    // Each workload cluster gets the outputs from its own worker: a slow cluster delays only itself.
    const outputsFor = this.#clusterOutputs(identity);
    for (const cluster of known) {
      // A registration that broke keeps its last watches (last known state) but is not written to.
      if (this.#registrationErrors.has(cluster.name)) continue;
      const last = cluster.work;
      const clusterChanges = changed?.clusters.get(cluster.name);
      const planAll =
        changed === undefined ||
        last === undefined ||
        last.identity !== identity ||
        last.keepAll !== output.clusterErrors.has(cluster.name) ||
        last.holds.length > 0 ||
        holds.length > 0;
      if (planAll) {
        cluster.applyPending = true;
        delete cluster.pendingChanges;
      } else if (clusterChanges !== undefined && cluster.applyPending !== true) {
        // Only what changed is planned (unless the whole cluster is due anyway): its changed and gone objects' keys.
        const pending = (cluster.pendingChanges ??= new Map());
        for (const object of [...clusterChanges.changed, ...clusterChanges.gone])
          pending.set(objectKey(object), object);
      }
      cluster.work = {
        // Outputs of a cluster that did not change are the same objects: the last stamped copies stand.
        desired:
          planAll || clusterChanges !== undefined ? outputsFor(output.clusters.get(cluster.name) ?? []) : last.desired,
        holds,
        keepAll: output.clusterErrors.has(cluster.name),
        identity,
      };
      cluster.worker.markDirty();
    }
    // Unless the management cluster's objects changed (drift, a policy edited, statuses written) or
    // outputs are held, only the management objects that changed are planned: those new or
    // rewritten, those gone (a Destination removed), and the KubernetesClusters (their status is
    // the controller's own).
    let desired: KubeObject[];
    let live: KubeObject[];
    if (changed !== undefined && !this.#mgmtDrifted && retained.size === 0) {
      const refs = new Map<string, KubeObject>();
      for (const object of [...changed.mgmt.changed, ...changed.mgmt.gone]) refs.set(objectKey(object), object);
      const clusters = output.mgmt.filter((object) => object.kind === 'KubernetesCluster');
      desired = [...changed.mgmt.changed.filter((object) => object.kind !== 'KubernetesCluster'), ...clusters].map(
        forMgmt,
      );
      live = [...refs.values(), ...clusters].flatMap((ref) => this.#mgmtCache.find(ref) ?? []).filter(isMeshHubObject);
    } else {
      desired = withRetentionNotes(output.mgmt, retained).map(forMgmt);
      live = this.#mgmtCache.objects().filter(isMeshHubObject);
    }
    this.#mgmtDrifted = false;
    const result = await applyToCluster(this.#options.mgmt, {
      desired,
      live,
      isOwned: (object) =>
        DISCOVERED.has(object.kind) &&
        ownedBy(object, ns, identity, DISCOVERY_OWNER_LABEL) &&
        !unknown.has(object.metadata.labels?.[DISCOVERY_CLUSTER_LABEL] ?? ''),
      statusOnly: (object) => !DISCOVERED.has(object.kind),
      stampsGeneration: (object) => DISCOVERED.has(object.kind),
      mayWrite: () => this.#mayWrite(signal),
    });
    const failed = this.#record(result) || trustErrors.length > 0;
    // Not all written (a rejected object, leadership lost midway): plan everything next time.
    if (failed || !this.#mayWrite(signal)) this.#mgmtDrifted = true;
    for (const error of trustErrors) this.#log.warn({ error }, 'shared trust incomplete');
    const durationMs = performance.now() - started;
    this.#options.metrics.reconciles.inc({ result: failed ? 'partial' : 'ok' });
    this.#options.metrics.reconcileDuration.observe(durationMs / 1000);
    this.#reconciled++;
    const written = result.applied + result.statusApplied + result.deleted;
    this.#log.info(
      {
        durationMs: Math.round(durationMs),
        clusters: known.length,
        unknown: unknown.size,
        written,
        recomputed: pass.recomputed,
        meshes: output.mgmt.filter((o) => o.kind === 'Mesh').length,
        destinations: output.mgmt.filter((o) => o.kind === 'Destination').length,
      },
      'reconciled',
    );
    const summary = { durationMs, written, results: [result, ...known.flatMap((c) => this.#lastApplyOf(c.name))] };
    // Cheap (a JWT parse per cluster) and robust to whichever came first, the Lease or the registration.
    for (const cluster of known) void this.#renewToken(cluster);
    for (const listener of this.#listeners) listener(summary);
    // Errors (an unreachable cluster) are retried when its watch recovers; retry anyway after a while.
    if (failed && !this.#stopped) this.#loop.markDirtyAfter(RETRY_PARTIAL_MS);
  }

  /**
   * A cluster's outputs as they are applied: stamped with this plane's identity, without the render
   * annotations. Kept from pass to pass per output object (an incremental pass keeps the objects it
   * did not recompute), so a pass copies only the outputs that are new.
   */
  #clusterOutputs(identity: string): (objects: readonly KubeObject[]) => KubeObject[] {
    if (this.#stamped?.identity !== identity) this.#stamped = { identity, objects: new WeakMap() };
    const stamped = this.#stamped.objects;
    return (objects) =>
      objects.map((object) => {
        let applied = stamped.get(object);
        if (applied === undefined) {
          applied = withIdentity(withoutRenderAnnotations(object), identity);
          stamped.set(object, applied);
        }
        return applied;
      });
  }

  #lastApplyOf(name: string): ApplyResult[] {
    const result = this.#lastApply.get(name);
    return result === undefined ? [] : [result];
  }

  /** One cluster's worker: apply the latest render's outputs there, then run the issuer for it. */
  async #applyCluster(name: string, signal: AbortSignal): Promise<void> {
    const cluster = this.#clusters.get(name);
    const work = cluster?.work;
    if (cluster === undefined || work === undefined || !this.#mayWrite(signal)) return;
    const cache = cluster.current.cache;
    const health = cache.health();
    if (health.unreachable) {
      // Its watches cannot reach it: do not wait on request timeouts; its recovery marks the world dirty.
      this.#record({
        cluster: name,
        applied: 0,
        statusApplied: 0,
        deleted: 0,
        unchanged: 0,
        errors: [{ object: `cluster ${name}`, message: health.lastError ?? 'unreachable' }],
        unreachable: true,
      });
      return;
    }
    const pending = cluster.pendingChanges;
    const planAll = cluster.applyPending === true || cluster.drifted === true;
    if (!planAll && pending === undefined) {
      // Nothing of it changed since its last apply: only the issuer runs.
      await this.#runIssuer(name, cluster, work.identity, signal, false);
      return;
    }
    cluster.applyPending = false;
    cluster.drifted = false;
    delete cluster.pendingChanges;
    const ns = this.#options.installNamespace;
    let desiredNow = work.desired;
    let live: KubeObject[];
    if (!planAll && pending !== undefined && work.holds.length === 0) {
      // Only the changed outputs: against what the cluster holds under their keys (gone ones are deleted there).
      desiredNow = work.desired.filter((object) => pending.has(objectKey(object)));
      live = [...pending.values()].flatMap((ref) => cache.find(ref) ?? []);
    } else {
      live = WORKLOAD_OUTPUT_TYPES.flatMap((type) => cache.objectsOf(type));
    }
    const desired = new Set(work.holds.length === 0 ? [] : work.desired.map(objectKey));
    const kept = new Set(
      work.holds.length === 0
        ? []
        : retainedOutputs(
            name,
            live.filter((object) => !desired.has(objectKey(object))),
            work.holds,
          ).keys(),
    );
    const result = await applyToCluster(cache.client, {
      desired: desiredNow,
      live,
      isOwned: (object) => !work.keepAll && ownedBy(object, ns, work.identity) && !kept.has(object),
      statusOnly: () => false,
      mayWrite: () => this.#mayWrite(signal),
    });
    const failed = this.#record(result);
    // A failed or interrupted apply is tried again even if nothing changes meanwhile.
    if (failed || !this.#mayWrite(signal)) cluster.applyPending = true;
    if (result.unreachable) {
      if (!this.#stopped) cluster.worker.markDirtyAfter(RETRY_PARTIAL_MS);
      return;
    }
    await this.#runIssuer(name, cluster, work.identity, signal, failed);
  }

  /** The issuer of one cluster after its apply (or in its place when nothing changed), then retries if anything failed. */
  async #runIssuer(
    name: string,
    cluster: RegisteredCluster,
    identity: string,
    signal: AbortSignal,
    applyFailed: boolean,
  ): Promise<void> {
    const cache = cluster.current.cache;
    let failed = applyFailed;
    if (this.#mayWrite(signal)) {
      // The issuer: sign what the cert agents asked for, with the roots as they are now. A throw is
      // this cluster's error, never the estate's.
      try {
        // Every cluster's cache: a root rotation switches only once all members trust the new root.
        const members = new Map([...this.#clusters].map(([member, state]) => [member, state.current.cache]));
        const issued = await this.#issuer.run(name, cache, this.#roots, identity, Date.now(), members);
        if (issued.statusWritten > 0)
          this.#options.metrics.objectsWritten.inc({ cluster: name, operation: 'status' }, issued.statusWritten);
        if (issued.errors.length > 0) {
          failed = true;
          this.#options.metrics.applyErrors.inc({ cluster: name }, issued.errors.length);
          this.#log.warn({ cluster: name, errors: issued.errors.slice(0, 5) }, 'issuer incomplete');
        }
      } catch (error) {
        failed = true;
        this.#options.metrics.applyErrors.inc({ cluster: name });
        this.#log.warn({ cluster: name, error: messageOf(error) }, 'issuer failed');
      }
    }
    if (!signal.aborted && cluster.overran !== undefined) {
      // Its KubernetesCluster status said the apply overran: say it works again.
      delete cluster.overran;
      this.#markDirty();
    }
    if (failed && !this.#stopped) cluster.worker.markDirtyAfter(RETRY_PARTIAL_MS);
  }

  /** A cluster's apply overran its deadline (black-holed API server) or threw. */
  #onApplyFailed(name: string, error: unknown, retryInMs: number): void {
    const cluster = this.#clusters.get(name);
    if (cluster === undefined) return;
    const message = messageOf(error);
    cluster.overran = `apply: ${message}`;
    cluster.applyPending = true;
    this.#options.metrics.applyErrors.inc({ cluster: name });
    this.#lastApply.set(name, {
      cluster: name,
      applied: 0,
      statusApplied: 0,
      deleted: 0,
      unchanged: 0,
      errors: [{ object: `cluster ${name}`, message }],
      unreachable: true,
    });
    this.#log.warn({ cluster: name, error: message, retryInMs }, 'apply abandoned; the cluster counts as unreachable');
    // Its KubernetesCluster status says so.
    this.#markDirty();
  }

  /** Metrics and logs of one apply; true when it was incomplete. */
  #record(result: ApplyResult): boolean {
    const label = result.cluster;
    this.#lastApply.set(label, result);
    const metrics = this.#options.metrics;
    if (result.applied > 0) metrics.objectsWritten.inc({ cluster: label, operation: 'apply' }, result.applied);
    if (result.statusApplied > 0)
      metrics.objectsWritten.inc({ cluster: label, operation: 'status' }, result.statusApplied);
    if (result.deleted > 0) metrics.objectsWritten.inc({ cluster: label, operation: 'delete' }, result.deleted);
    if (result.errors.length > 0) {
      metrics.applyErrors.inc({ cluster: label }, result.errors.length);
      this.#log.warn(
        { cluster: label, unreachable: result.unreachable, errors: result.errors.slice(0, 5) },
        'apply incomplete',
      );
    }
    return result.errors.length > 0;
  }

  /** A KubernetesCluster's status: whether its cluster can be watched right now. */
  #withClusterStatus(object: KubeObject): KubeObject {
    const name = object.metadata.name;
    const error = this.#registrationErrors.get(name);
    const registered = this.#clusters.get(name);
    const health = registered?.current.cache.health();
    const discoveryError = this.#discoveryErrors.get(name);
    let entry: { state: string; message?: string };
    if (error !== undefined) entry = { state: 'INVALID', message: error };
    else if (health === undefined || !health.synced) entry = { state: 'PENDING', message: 'connecting' };
    else if (health.unreachable)
      entry = {
        state: 'FAILED',
        message: `the API server at ${registered?.current.cache.client.server ?? '?'} cannot be reached`,
      };
    else if (!health.healthy) {
      // Stable wording (no changing details), so an ongoing failure is not rewritten on every pass.
      const failing = Object.entries(health.types)
        .filter(([, state]) => state === 'error')
        .map(([kind]) => kind)
        .sort();
      entry = { state: 'FAILED', message: `cannot watch ${failing.join(', ')}` };
    } else if (discoveryError !== undefined)
      entry = { state: 'FAILED', message: `${discoveryError} (its last discovered objects are kept)` };
    else if (registered?.overran !== undefined) entry = { state: 'FAILED', message: registered.overran };
    else entry = { state: 'ACCEPTED' };
    const generation = object.metadata.generation;
    return {
      ...object,
      status: {
        status: [
          {
            ...entry,
            ...(generation === undefined ? {} : { observedGeneration: generation }),
            owner: 'mesh-hub',
          },
        ],
      },
    };
  }
}

/** The outputs of this install on a cluster, as its cache holds them. */
function ownedOutputs(cache: ClusterCache, installNamespace: string, identity: string): KubeObject[] {
  return WORKLOAD_OUTPUT_TYPES.flatMap((type) => cache.objectsOf(type)).filter((object) =>
    ownedBy(object, installNamespace, identity),
  );
}

/** A cluster's desired outputs by object key (made once per list: a cluster that did not change keeps its list). */
const desiredIndex = new WeakMap<readonly KubeObject[], Map<string, KubeObject>>();
function desiredByKey(work: ClusterWork): Map<string, KubeObject> {
  let index = desiredIndex.get(work.desired);
  if (index === undefined) {
    index = new Map(work.desired.map((object) => [objectKey(object), object]));
    desiredIndex.set(work.desired, index);
  }
  return index;
}

/** The stdout annotation of `meshctl render` never goes to a cluster. */
function withoutRenderAnnotations(object: KubeObject): KubeObject {
  const annotations = object.metadata.annotations;
  if (annotations?.[CLUSTER_ANNOTATION] === undefined) return object;
  const { [CLUSTER_ANNOTATION]: _cluster, ...rest } = annotations;
  return { ...object, metadata: { ...object.metadata, annotations: rest } };
}

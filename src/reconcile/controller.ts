// The live management plane: list+watch caches of the management cluster and of every registered
// cluster; any change marks the world dirty and one debounced, single-flight reconcile follows:
// snapshot → render (discover, validate, translate: the pure core) → apply → status.
import type { Logger } from 'pino';
import { CLUSTER_ANNOTATION, DISCOVERY_CLUSTER_LABEL, DISCOVERY_OWNER_LABEL, OWNER_LABEL } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import { applyToCluster, type ApplyResult } from '../kube/apply.ts';
import { ClusterCache, type CacheHealth, type WatchSpec } from '../kube/cache.ts';
import { clientFromKubeconfigText, type KubeClient } from '../kube/client.ts';
import {
  CERTIFICATE_REQUEST,
  DISCOVERED_KINDS,
  DISCOVERY_INPUT_TYPES,
  ISSUED_CERTIFICATE,
  KUBERNETES_CLUSTER,
  MANAGEMENT_INPUT_KINDS,
  MESH_HUB_TYPES,
  SECRET,
  VIRTUAL_MESH,
  WORKLOAD_OUTPUT_TYPES,
} from '../kube/resources.ts';
import type { VirtualMesh } from '../networking/model.ts';
import { render } from '../pipeline/render.ts';
import { checkManagementObject } from '../pipeline/validate-input.ts';
import type { InputObject, InputSnapshot } from '../snapshot/input.ts';
import type { ControllerMetrics } from './metrics.ts';
import { DEFAULT_RENEW_AT, renewIfDue } from './token-renewal.ts';
import { KUBECONFIG_SECRET_TYPE, registrations, type Registration } from './registered-clusters.ts';
import { Issuer, RootCertificates } from './trust.ts';

export interface ControllerOptions {
  readonly mgmt: KubeClient;
  readonly installNamespace: string;
  readonly logger: Logger;
  readonly metrics: ControllerMetrics;
  /** Quiet time after the last change before a reconcile starts. */
  readonly debounceMs?: number;
  /** Fraction of a registration token's lifetime after which the leader renews it. */
  readonly renewTokensAt?: number;
}

interface RegisteredCluster {
  readonly name: string;
  readonly fingerprint: string;
  readonly secretName: string;
  readonly kubeconfig: string;
  readonly cache: ClusterCache;
}

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
 * and the cert agent's CertificateRequests (for the issuer).
 */
function workloadClusterWatches(): WatchSpec[] {
  // Built-in kinds must be served; the CRD-backed ones (Istio, certificates) may be absent.
  return [
    ...DISCOVERY_INPUT_TYPES.map((type) => ({ type })),
    ...[...WORKLOAD_OUTPUT_TYPES, CERTIFICATE_REQUEST].map((type) => ({ type, required: false })),
  ];
}

const CERTIFICATES_GROUP = `${ISSUED_CERTIFICATE.group}/`;

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
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #reconciled = 0;
  readonly #listeners = new Set<(summary: ReconcileSummary) => void>();
  readonly #roots: RootCertificates;
  readonly #issuer: Issuer;

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
    this.#issuer = new Issuer(ns, this.#log);
  }

  start(): void {
    this.#log.info({ installNamespace: this.#options.installNamespace }, 'management plane starting');
    this.#mgmtCache.start();
    this.#tokenTimer = setInterval(() => {
      for (const cluster of this.#clusters.values()) void this.#renewToken(cluster);
    }, TOKEN_CHECK_INTERVAL_MS);
    this.#tokenTimer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#tokenTimer !== undefined) clearInterval(this.#tokenTimer);
    this.#mgmtCache.stop();
    this.#roots.stop();
    for (const cluster of this.#clusters.values()) cluster.cache.stop();
    this.#clusters.clear();
    await this.#running;
  }

  /** Only the Lease holder reconciles; a standby keeps its caches warm. */
  setLeading(leading: boolean): void {
    this.#leading = leading;
    this.#options.metrics.leader.set(leading ? 1 : 0);
    if (leading) {
      for (const cluster of this.#clusters.values()) void this.#renewToken(cluster);
      this.#markDirty();
    }
  }

  /** Ready once the management cluster and every registered cluster have finished their first listing. */
  ready(): boolean {
    return this.#mgmtCache.health().synced && [...this.#clusters.values()].every((cluster) => cluster.cache.settled());
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
      const error = this.#registrationErrors.get(name);
      const lastApply = this.#lastApply.get(name);
      return {
        name,
        registered: cluster !== undefined,
        ...(error === undefined ? {} : { error }),
        ...(cluster === undefined ? {} : { health: cluster.cache.health() }),
        ...(lastApply === undefined ? {} : { lastApply }),
      };
    });
  }

  #onManagementChange(): void {
    if (this.#stopped) return;
    if (this.#mgmtCache.health().synced) {
      this.#syncRegistrations();
      this.#roots.sync(this.#virtualMeshes());
    }
    this.#markDirty();
  }

  /** The schema-valid VirtualMeshes of the management cluster (their root CAs are watched). */
  #virtualMeshes(): VirtualMesh[] {
    return this.#mgmtCache
      .objectsOf(VIRTUAL_MESH)
      .map((object) => checkManagementObject({ object, source: {} }))
      .flatMap((checked) => (checked.outcome === 'valid' ? [checked.object as unknown as VirtualMesh] : []));
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
      if (existing?.fingerprint === registration.fingerprint) continue;
      existing?.cache.stop();
      let client: KubeClient;
      try {
        client = clientFromKubeconfigText(registration.cluster, registration.kubeconfig);
      } catch (error) {
        errors.set(registration.cluster, error instanceof Error ? error.message : String(error));
        this.#clusters.delete(registration.cluster);
        continue;
      }
      const cache = new ClusterCache(client, workloadClusterWatches(), () => {
        this.#markDirty();
      });
      const entry: RegisteredCluster = {
        name: registration.cluster,
        fingerprint: registration.fingerprint,
        secretName: registration.secretName,
        kubeconfig: registration.kubeconfig,
        cache,
      };
      this.#clusters.set(registration.cluster, entry);
      void this.#renewToken(entry);
      cache.start();
      this.#log.info(
        { cluster: registration.cluster, server: client.server },
        existing === undefined ? 'cluster registered: watching' : 'cluster kubeconfig changed: watching again',
      );
    }
    for (const [name, cluster] of this.#clusters) {
      if (wanted.has(name) && !errors.has(name)) continue;
      cluster.cache.stop();
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

  /** The leader renews a registration token once it is due; the Secret's change restarts the watches. */
  async #renewToken(cluster: RegisteredCluster): Promise<void> {
    if (!this.#leading || this.#stopped || this.#renewing.has(cluster.name)) return;
    this.#renewing.add(cluster.name);
    try {
      const result = await renewIfDue({
        cluster: cluster.cache.client,
        mgmt: this.#options.mgmt,
        name: cluster.name,
        secretName: cluster.secretName,
        installNamespace: this.#options.installNamespace,
        kubeconfig: cluster.kubeconfig,
        renewAt: this.#options.renewTokensAt ?? DEFAULT_RENEW_AT,
        nowSeconds: Date.now() / 1000,
      });
      if (result.outcome === 'renewed') {
        this.#log.info({ cluster: cluster.name, expires: result.expires }, 'registration token renewed');
      }
    } catch (error) {
      this.#log.warn(
        { cluster: cluster.name, error: error instanceof Error ? error.message : String(error) },
        'could not renew the registration token; it keeps working until it expires',
      );
    } finally {
      this.#renewing.delete(cluster.name);
    }
  }

  #markDirty(): void {
    if (this.#stopped) return;
    this.#dirty = true;
    if (!this.#leading || this.#timer !== undefined || this.#running !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#runLoop();
    }, this.#options.debounceMs ?? 50);
  }

  #runLoop(): void {
    if (this.#running !== undefined || this.#stopped || !this.#leading || !this.#dirty) return;
    // Before the root CA Secrets are listed, a missing root would mean nothing: wait for them too.
    if (!this.#mgmtCache.health().synced || !this.#roots.settled()) return;
    this.#dirty = false;
    this.#running = this.#reconcile()
      .catch((error: unknown) => {
        this.#options.metrics.reconciles.inc({ result: 'error' });
        this.#log.error({ error: error instanceof Error ? error.message : String(error) }, 'reconcile failed');
        this.#dirty = true;
      })
      .finally(() => {
        this.#running = undefined;
        if (this.#dirty) this.#markDirty();
      });
  }

  #snapshot(synced: readonly RegisteredCluster[]): InputSnapshot {
    const mgmt: InputObject[] = this.#mgmtCache
      .objects()
      .filter((object) => MANAGEMENT_INPUTS.has(object.kind) && isMeshHubObject(object))
      .map((object) => ({ object, source: {} }));
    const clusters = new Map<string, InputObject[]>();
    for (const cluster of synced) {
      const objects = cluster.cache
        .objects()
        // Discovery's inputs, and VirtualServices (hand-written ones change what may be translated).
        .filter(
          (object) =>
            object.kind !== 'DestinationRule' &&
            !object.apiVersion.startsWith(CERTIFICATES_GROUP) &&
            (!object.apiVersion.includes('istio.io') || object.kind === 'VirtualService'),
        )
        .map((object) => ({ object, source: {} }));
      clusters.set(cluster.name, objects);
    }
    return {
      installNamespace: this.#options.installNamespace,
      mgmt,
      clusters,
      rootCertificates: this.#roots.certificates(),
    };
  }

  async #reconcile(): Promise<void> {
    const started = performance.now();
    const ns = this.#options.installNamespace;
    const all = [...this.#clusters.values()];
    for (const cluster of all) {
      const health = cluster.cache.health();
      this.#options.metrics.clusterWatchHealthy.set({ cluster: cluster.name }, health.healthy ? 1 : 0);
      this.#options.metrics.clusterSynced.set({ cluster: cluster.name }, health.synced ? 1 : 0);
    }
    // A cluster whose caches have never listed is unknown, not empty: leave everything of it alone.
    const synced = all.filter((cluster) => cluster.cache.health().synced);
    const unknown = new Set([
      ...all.filter((cluster) => !cluster.cache.health().synced).map((cluster) => cluster.name),
      ...this.#registrationErrors.keys(),
    ]);
    // Generated root CAs exist before the IssuedCertificates that name them are written.
    const trustErrors = await this.#roots.ensureGenerated();
    const output = render(this.#snapshot(synced));

    const mgmtDesired = output.mgmt.map((object) =>
      object.kind === 'KubernetesCluster' ? this.#withClusterStatus(object) : object,
    );
    const applies: Promise<ApplyResult>[] = [
      applyToCluster(this.#options.mgmt, {
        desired: mgmtDesired,
        live: this.#mgmtCache.objects().filter(isMeshHubObject),
        isOwned: (object) =>
          DISCOVERED.has(object.kind) &&
          object.metadata.labels?.[DISCOVERY_OWNER_LABEL] === ns &&
          !unknown.has(object.metadata.labels[DISCOVERY_CLUSTER_LABEL] ?? ''),
        statusOnly: (object) => !DISCOVERED.has(object.kind),
        stampsGeneration: (object) => DISCOVERED.has(object.kind),
      }),
    ];
    for (const cluster of synced) {
      const desired = output.clusters.get(cluster.name) ?? [];
      const health = cluster.cache.health();
      if (health.unreachable) {
        // Its watches cannot reach it: do not wait on request timeouts; its recovery marks the world dirty.
        applies.push(
          Promise.resolve({
            cluster: cluster.name,
            applied: 0,
            statusApplied: 0,
            deleted: 0,
            unchanged: 0,
            errors: [{ object: `cluster ${cluster.name}`, message: health.lastError ?? 'unreachable' }],
            unreachable: true,
          }),
        );
        continue;
      }
      applies.push(
        applyToCluster(cluster.cache.client, {
          desired: desired.map(withoutRenderAnnotations),
          live: WORKLOAD_OUTPUT_TYPES.flatMap((type) => cluster.cache.objectsOf(type)),
          isOwned: (object) => object.metadata.labels?.[OWNER_LABEL] === ns,
          statusOnly: () => false,
        }),
      );
    }
    const results = await Promise.all(applies);
    // The issuer: sign what the cert agents asked for, with the roots as they are now.
    const issued = await Promise.all(
      synced
        .filter((cluster) => !cluster.cache.health().unreachable)
        .map(async (cluster) => ({
          cluster: cluster.name,
          result: await this.#issuer.run(cluster.name, cluster.cache, this.#roots),
        })),
    );
    let written = 0;
    let failed = trustErrors.length > 0;
    for (const error of trustErrors) this.#log.warn({ error }, 'shared trust incomplete');
    for (const { cluster, result } of issued) {
      written += result.statusWritten;
      if (result.statusWritten > 0)
        this.#options.metrics.objectsWritten.inc({ cluster, operation: 'status' }, result.statusWritten);
      if (result.errors.length > 0) {
        failed = true;
        this.#options.metrics.applyErrors.inc({ cluster }, result.errors.length);
        this.#log.warn({ cluster, errors: result.errors.slice(0, 5) }, 'issuer incomplete');
      }
    }
    for (const result of results) {
      const label = result.cluster;
      this.#lastApply.set(label, result);
      const metrics = this.#options.metrics;
      if (result.applied > 0) metrics.objectsWritten.inc({ cluster: label, operation: 'apply' }, result.applied);
      if (result.statusApplied > 0)
        metrics.objectsWritten.inc({ cluster: label, operation: 'status' }, result.statusApplied);
      if (result.deleted > 0) metrics.objectsWritten.inc({ cluster: label, operation: 'delete' }, result.deleted);
      if (result.errors.length > 0) {
        failed = true;
        metrics.applyErrors.inc({ cluster: label }, result.errors.length);
        this.#log.warn(
          { cluster: label, unreachable: result.unreachable, errors: result.errors.slice(0, 5) },
          'apply incomplete',
        );
      }
      written += result.applied + result.statusApplied + result.deleted;
    }
    const durationMs = performance.now() - started;
    this.#options.metrics.reconciles.inc({ result: failed ? 'partial' : 'ok' });
    this.#options.metrics.reconcileDuration.observe(durationMs / 1000);
    this.#reconciled++;
    this.#log.info(
      {
        durationMs: Math.round(durationMs),
        clusters: synced.length,
        written,
        meshes: output.mgmt.filter((o) => o.kind === 'Mesh').length,
        destinations: output.mgmt.filter((o) => o.kind === 'Destination').length,
      },
      'reconciled',
    );
    const summary = { durationMs, written, results };
    // Cheap (a JWT parse per cluster) and robust to whichever came first, the Lease or the registration.
    for (const cluster of synced) void this.#renewToken(cluster);
    for (const listener of this.#listeners) listener(summary);
    // Errors (an unreachable cluster) are retried when its watch recovers; retry anyway after a while.
    if (failed && !this.#stopped) {
      setTimeout(() => {
        this.#markDirty();
      }, 5000).unref();
    }
  }

  /** A KubernetesCluster's status: whether its cluster can be watched right now. */
  #withClusterStatus(object: KubeObject): KubeObject {
    const name = object.metadata.name;
    const error = this.#registrationErrors.get(name);
    const registered = this.#clusters.get(name);
    const health = registered?.cache.health();
    let entry: { state: string; message?: string };
    if (error !== undefined) entry = { state: 'INVALID', message: error };
    else if (health === undefined || !health.synced) entry = { state: 'PENDING', message: 'connecting' };
    else if (health.unreachable)
      entry = {
        state: 'FAILED',
        message: `the API server at ${registered?.cache.client.server ?? '?'} cannot be reached`,
      };
    else if (!health.healthy) {
      // Stable wording (no changing details), so an ongoing failure is not rewritten on every pass.
      const failing = Object.entries(health.types)
        .filter(([, state]) => state === 'error')
        .map(([kind]) => kind)
        .sort();
      entry = { state: 'FAILED', message: `cannot watch ${failing.join(', ')}` };
    } else entry = { state: 'ACCEPTED' };
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

/** The stdout annotation of `meshctl render` never goes to a cluster. */
function withoutRenderAnnotations(object: KubeObject): KubeObject {
  const annotations = object.metadata.annotations;
  if (annotations?.[CLUSTER_ANNOTATION] === undefined) return object;
  const { [CLUSTER_ANNOTATION]: _cluster, ...rest } = annotations;
  return { ...object, metadata: { ...object.metadata, annotations: rest } };
}

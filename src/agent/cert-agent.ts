// The cert agent: the workload-cluster half of shared trust (Gloo Mesh 1.x semantics). For each
// IssuedCertificate the management plane writes into the agent namespace it makes the intermediate
// CA's private key and a CSR (the key never leaves this cluster), waits for the issuer to sign the
// CertificateRequest, writes Istio's `cacerts`, and restarts pods as the PodBounceDirective says.
//
// The decisions are src/certs/phases.ts's agentStep; this module observes (a list+watch cache of
// the agent namespace and of the agent's Secrets), performs the one action a step returns, and
// writes the status it returns. Like the controller (and with its loop helper, src/reconcile/
// loop.ts): any change marks the world dirty, and one debounced, single-flight pass follows; a
// thrown pass is retried with back-off. Waits nothing reports (pods getting ready, istiod copying
// a root, a retry after a failure) are looked at again by timer; nothing ever blocks the loop.
import type { Logger } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import { z } from 'zod';
import { certificateRequestKind } from '../api/certificates/v1/certificate-request.ts';
import { issuedCertificateKind, type IssuedCertificateState } from '../api/certificates/v1/issued-certificate.ts';
import { podBounceDirectiveKind } from '../api/certificates/v1/pod-bounce-directive.ts';
import { apiVersionOf, resourceSchema, type KindDefinition, type Resource } from '../api/kind.ts';
import type { KubeObject } from '../api/meta.ts';
import {
  INPUTS_HASH_ANNOTATION,
  SECRET_KEYS,
  SECRET_TYPES,
  SIGNED_CERTIFICATE_HASH_ANNOTATION,
} from '../certs/cert-defaults.ts';
import {
  certificateMatchesKey,
  certificateValidity,
  generateIntermediateRequest,
  istioCaSecretData,
} from '../certs/crypto.ts';
import {
  agentStep,
  bytesToPem,
  certificateDigest,
  failedStatus,
  pemToBytes,
  type AgentAction,
  type AgentObservation,
  type AgentStep,
  type CaSecretFacts,
  type IssuedCertificate,
  type IssuedCertificateStatus,
  type ObjectRef,
} from '../certs/phases.ts';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../install/manifests.ts';
import type { CacheHealth, WatchSpec } from '../kube/cache.ts';
import type { KubeClient } from '../kube/client.ts';
import { jsonEqual } from '../kube/diff.ts';
import {
  apiVersionOfType,
  CERTIFICATE_REQUEST,
  ISSUED_CERTIFICATE,
  POD_BOUNCE_DIRECTIVE,
  SECRET,
  type ResourceType,
} from '../kube/resources.ts';
import {
  clusterBounceFacts,
  nextBounceStep,
  performBounceStep,
  type BounceClient,
  type BounceStep,
  type PodBounceDirective,
} from './pod-bounce.ts';
import { groupKind, ReadYourWrites, writtenObject, type WrittenObject } from './read-your-writes.ts';
import { ReconcileLoop } from '../reconcile/loop.ts';

/** What of the API client the agent uses (a KubeClient; narrower so tests can stand in for it). */
export type AgentClient = BounceClient & Pick<KubeClient, 'server'>;

/** What of a list+watch cache the agent uses (a ClusterCache). */
export interface AgentCache {
  start(): void;
  stop(): void;
  objectsOf(type: ResourceType): KubeObject[];
  health(): Pick<CacheHealth, 'synced'>;
}

export type CacheFactory = (specs: readonly WatchSpec[], onChange: () => void) => AgentCache;

export interface CertAgentOptions {
  readonly client: AgentClient;
  /** Makes the agent's cache (a ClusterCache over the same cluster). */
  readonly cache: CacheFactory;
  /** The agent namespace: where the management plane writes this cluster's IssuedCertificates. */
  readonly namespace: string;
  /**
   * Mesh control-plane namespaces where the agent may write Istio's `cacerts` (its Roles there come
   * from `meshctl cluster register --mesh-namespaces`); default istio-system.
   */
  readonly meshNamespaces?: readonly string[];
  readonly logger: Logger;
  /** Quiet time after a change before a pass. */
  readonly debounceMs?: number;
  /** How soon a wait nothing reports is looked at again (a root to sync, pods to become ready). */
  readonly recheckMs?: number;
  /** How long a key waits for the cache to show its own writes at most. */
  readonly catchUpTimeoutMs?: number;
  readonly now?: () => number;
}

const DEFAULT_RECHECK_MS = 2000;
/** Everything is looked at again this often: a foreign cacerts removed, a certificate due for rotation. */
const RESYNC_MS = 60_000;
const FIRST_RETRY_MS = 2000;
const MAX_RETRY_MS = 5 * 60_000;
/** On stop, a running pass may finish its step this long; after that it writes nothing more. */
const STOP_GRACE_MS = 10_000;

/** The private key of an IssuedCertificate's intermediate CA, in the agent namespace. */
export function privateKeySecretName(issuedCertificate: string): string {
  return `${issuedCertificate}-private-key`;
}

export const DEFAULT_AGENT_MESH_NAMESPACES: readonly string[] = ['istio-system'];

/**
 * What the agent watches: its namespace's certificate objects and private keys, and the cacerts it
 * writes in each mesh namespace (the only namespaces it may read Secrets in).
 */
export function agentWatches(namespace: string, meshNamespaces: readonly string[]): WatchSpec[] {
  return [
    { type: ISSUED_CERTIFICATE, namespace },
    { type: CERTIFICATE_REQUEST, namespace },
    { type: POD_BOUNCE_DIRECTIVE, namespace },
    { type: SECRET, namespace, fieldSelector: `type=${SECRET_TYPES.agentPrivateKey}` },
    // Istio's cacerts lives in each mesh's namespace; only the agent's own type is watched.
    ...[...new Set(meshNamespaces)].sort().map((meshNamespace) => ({
      type: SECRET,
      namespace: meshNamespace,
      fieldSelector: `type=${SECRET_TYPES.issuedCertificate}`,
    })),
  ];
}

/** Why the agent may not write a CA Secret into `namespace`, if it may not. */
export function caSecretNamespaceProblem(namespace: string, meshNamespaces: readonly string[]): string | undefined {
  if (meshNamespaces.includes(namespace)) return undefined;
  return `spec.issuedCertificateSecret.namespace: ${namespace} is not a mesh namespace of this cert agent (${meshNamespaces.join(', ')}); register the cluster again with --mesh-namespaces including it`;
}

/** How long an IssuedCertificate that failed `failures` times in a row waits before it starts again. */
export function retryDelayMs(failures: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1), MAX_RETRY_MS);
}

/**
 * Error text fit for a status or a log: no PEM blocks, no long base64 runs (key material, CSRs,
 * certificates, tokens an API server might echo back), bounded in length.
 */
export function safeErrorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const redacted = text
    .replace(/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g, '[PEM redacted]')
    // Base64 of random bytes mixes cases; object names and paths are lower case (DNS-1123).
    .replace(/[A-Za-z0-9+/_-]{64,}={0,2}/g, (run) => (/[A-Z]/.test(run) && /[a-z]/.test(run) ? '[redacted]' : run))
    .replace(/\bBearer\s+\S+/gi, 'Bearer [redacted]');
  return redacted.length > 400 ? `${redacted.slice(0, 400)}…` : redacted;
}

const SecretShape = z.looseObject({
  type: z.string().optional(),
  metadata: z.looseObject({ annotations: z.record(z.string(), z.string()).optional() }),
  data: z.record(z.string(), z.string()).optional(),
});
type SecretShape = z.infer<typeof SecretShape>;

const issuedCertificateSchema = resourceSchema(issuedCertificateKind);

const schemas = new Map<KindDefinition, z.ZodType>();

/** An object checked against its kind's schema (zod's optional fields differ from the type only in `| undefined`). */
function parseResource<D extends KindDefinition>(definition: D, object: unknown): Resource<D> | undefined {
  let schema = schemas.get(definition);
  if (schema === undefined) {
    schema = resourceSchema(definition);
    schemas.set(definition, schema);
  }
  const result = schema.safeParse(object);
  return result.success ? (result.data as Resource<D>) : undefined;
}

function decodeBase64(value: string | undefined): string {
  return Buffer.from(value ?? '', 'base64').toString('utf8');
}

/** What agentStep needs to know of the cacerts Secret: the agent's annotations and the certificate's validity. */
export function caSecretFacts(secret: SecretShape | undefined): CaSecretFacts | undefined {
  if (secret === undefined) return undefined;
  const annotations = secret.metadata.annotations ?? {};
  const inputsHash = annotations[INPUTS_HASH_ANNOTATION];
  const signedCertificateDigest = annotations[SIGNED_CERTIFICATE_HASH_ANNOTATION];
  let validity: { notBefore: number; notAfter: number } | undefined;
  const pem = decodeBase64(secret.data?.[SECRET_KEYS.caCert]);
  if (pem.includes('-----BEGIN CERTIFICATE-----')) {
    try {
      validity = certificateValidity(pem);
    } catch {
      validity = undefined;
    }
  }
  return {
    ...(inputsHash === undefined ? {} : { inputsHash }),
    ...(signedCertificateDigest === undefined ? {} : { signedCertificateDigest }),
    ...(validity ?? {}),
  };
}

export interface CertAgentMetrics {
  readonly registry: Registry;
  readonly issuedCertificates: Gauge<'state'>;
  readonly actions: Counter<'action' | 'result'>;
  readonly passes: Counter<'result'>;
}

export function createCertAgentMetrics(): CertAgentMetrics {
  const registry = new Registry();
  return {
    registry,
    issuedCertificates: new Gauge({
      name: 'meshhub_cert_agent_issued_certificates',
      help: 'IssuedCertificates in the agent namespace, by state.',
      labelNames: ['state'],
      registers: [registry],
    }),
    actions: new Counter({
      name: 'meshhub_cert_agent_actions_total',
      help: 'Actions of the cert agent (request, write-ca-secret, bounce-pods), by result (ok, failed).',
      labelNames: ['action', 'result'],
      registers: [registry],
    }),
    passes: new Counter({
      name: 'meshhub_cert_agent_passes_total',
      help: 'Passes over every IssuedCertificate, by result (ok; error: a step could not finish and is retried).',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}

const STATES = ['PENDING', 'REQUESTED', 'ISSUED', 'FINISHED', 'FAILED'] as const;

/** The cache of one pass, indexed once. */
class View {
  readonly #objects = new Map<string, KubeObject>();

  constructor(cache: AgentCache) {
    for (const type of [ISSUED_CERTIFICATE, CERTIFICATE_REQUEST, POD_BOUNCE_DIRECTIVE, SECRET]) {
      for (const object of cache.objectsOf(type)) {
        this.#objects.set(View.#key(groupKind(apiVersionOfType(type), type.kind), object), object);
      }
    }
  }

  static #key(kind: string, object: { metadata: { name: string; namespace?: string | undefined } }): string {
    return `${kind}\u0000${object.metadata.namespace ?? ''}\u0000${object.metadata.name}`;
  }

  get(type: ResourceType, namespace: string, name: string): KubeObject | undefined {
    return this.#objects.get(
      View.#key(groupKind(apiVersionOfType(type), type.kind), { metadata: { name, namespace } }),
    );
  }

  version(written: WrittenObject): string | undefined {
    return this.#objects.get(
      View.#key(written.groupKind, { metadata: { name: written.name, namespace: written.namespace } }),
    )?.metadata.resourceVersion;
  }

  secret(ref: ObjectRef, type: string): SecretShape | undefined {
    const parsed = SecretShape.safeParse(this.get(SECRET, ref.namespace, ref.name));
    return parsed.success && parsed.data.type === type ? parsed.data : undefined;
  }
}

interface Failure {
  readonly count: number;
  readonly retryAt: number;
  /** The IssuedCertificate as it failed: a changed one starts again at once. */
  readonly fingerprint: string;
}

function fingerprintOf(issuedCertificate: IssuedCertificate): string {
  const meta = issuedCertificate.metadata;
  return `${meta.uid ?? ''}/${String(meta.generation)}/${meta.annotations?.[INPUTS_HASH_ANNOTATION] ?? ''}`;
}

interface StepOutcome {
  /** The state after the step (what its status says now). */
  readonly state: IssuedCertificateState;
  /** Look at this IssuedCertificate again after the recheck interval (a wait nothing reports). */
  readonly recheck: boolean;
}

export class CertAgent {
  readonly metrics = createCertAgentMetrics();
  readonly #client: AgentClient;
  readonly #namespace: string;
  readonly #meshNamespaces: readonly string[];
  readonly #log: Logger;
  readonly #cache: AgentCache;
  readonly #writes: ReadYourWrites;
  readonly #loop: ReconcileLoop;
  readonly #recheckMs: number;
  readonly #now: () => number;
  readonly #failures = new Map<string, Failure>();
  /** IssuedCertificates of the last pass, with their cacerts Secret (to say what stays when one goes). */
  #known = new Map<string, string>();
  readonly #invalid = new Set<string>();
  #wake: { readonly at: number; readonly timer: NodeJS.Timeout } | undefined;
  #resync: NodeJS.Timeout | undefined;
  #stopped = false;
  readonly #listeners = new Set<() => void>();

  constructor(options: CertAgentOptions) {
    this.#client = options.client;
    this.#namespace = options.namespace;
    this.#meshNamespaces = options.meshNamespaces ?? DEFAULT_AGENT_MESH_NAMESPACES;
    this.#log = options.logger;
    this.#recheckMs = options.recheckMs ?? DEFAULT_RECHECK_MS;
    this.#loop = new ReconcileLoop({
      debounceMs: options.debounceMs ?? 50,
      run: async (signal) => {
        try {
          const ok = await this.#pass(signal);
          this.metrics.passes.inc({ result: ok ? 'ok' : 'error' });
        } finally {
          for (const listener of this.#listeners) listener();
        }
      },
      // Before every watch has listed, a missing object means nothing: the first listing marks dirty again.
      canRun: () => this.#cache.health().synced,
      initialBackoffMs: this.#recheckMs,
      maxBackoffMs: MAX_RETRY_MS,
      onError: (error, retryInMs) => {
        this.metrics.passes.inc({ result: 'error' });
        this.#log.error({ error: safeErrorText(error), retryInMs }, 'cert agent pass failed');
      },
    });
    this.#now = options.now ?? Date.now;
    this.#writes = new ReadYourWrites(options.catchUpTimeoutMs);
    this.#cache = options.cache(agentWatches(options.namespace, this.#meshNamespaces), () => {
      this.#markDirty();
    });
  }

  start(): void {
    this.#log.info(
      { namespace: this.#namespace, meshNamespaces: this.#meshNamespaces, server: this.#client.server },
      'cert agent starting',
    );
    this.#cache.start();
    this.#resync = setInterval(() => {
      this.#markDirty();
    }, RESYNC_MS);
    this.#resync.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#wake !== undefined) clearTimeout(this.#wake.timer);
    if (this.#resync !== undefined) clearInterval(this.#resync);
    await this.#loop.stop(STOP_GRACE_MS);
    this.#cache.stop();
  }

  /** Ready once every watch has listed. */
  ready(): boolean {
    return this.#cache.health().synced;
  }

  /** Called after every pass (tests wait on it). */
  onPass(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #markDirty(delayMs?: number): void {
    if (this.#stopped) return;
    this.#loop.markDirty(delayMs);
  }

  /** Looks again at `at` (the earliest of every wait asked for). */
  #wakeAt(at: number): void {
    if (this.#stopped) return;
    if (this.#wake !== undefined && this.#wake.at <= at) return;
    if (this.#wake !== undefined) clearTimeout(this.#wake.timer);
    const timer = setTimeout(
      () => {
        this.#wake = undefined;
        this.#markDirty(0);
      },
      Math.max(0, at - this.#now()),
    );
    timer.unref();
    this.#wake = { at, timer };
  }

  /** One pass over every IssuedCertificate; false when a step failed and is to be retried. */
  async #pass(signal: AbortSignal): Promise<boolean> {
    const view = new View(this.#cache);
    const issued: IssuedCertificate[] = [];
    for (const object of this.#cache.objectsOf(ISSUED_CERTIFICATE)) {
      const parsed = issuedCertificateSchema.safeParse(object);
      const key = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
      if (parsed.success) {
        issued.push(parsed.data as IssuedCertificate);
        this.#invalid.delete(key);
      } else if (!this.#invalid.has(key)) {
        this.#invalid.add(key);
        this.#log.warn(
          { issuedCertificate: key, error: safeErrorText(parsed.error.issues[0]?.message ?? 'invalid') },
          'IssuedCertificate does not match its schema; skipped',
        );
      }
    }
    issued.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
    const counts = new Map<string, number>(STATES.map((state) => [state, 0]));
    const known = new Map<string, string>();
    let ok = true;
    for (const issuedCertificate of issued) {
      // Abandoned (the agent is stopping): nothing more is written.
      if (signal.aborted) return ok;
      const namespace = issuedCertificate.metadata.namespace ?? this.#namespace;
      const key = `${namespace}/${issuedCertificate.metadata.name}`;
      let state = issuedCertificate.status?.state ?? 'PENDING';
      const target = issuedCertificate.spec.issuedCertificateSecret;
      known.set(key, target === undefined ? '' : `${target.namespace ?? namespace}/${target.name}`);
      const now = this.#now();
      // Acting before the cache shows our last writes would act on facts from before them.
      const catchUp = this.#writes.check(key, (written) => view.version(written), now);
      if (catchUp.kind === 'behind') {
        this.#log.debug({ issuedCertificate: key, waitingFor: catchUp.missing }, 'waiting for the cache');
        this.#wakeAt(Math.min(catchUp.deadline, now + this.#recheckMs));
        counts.set(state, (counts.get(state) ?? 0) + 1);
        continue;
      }
      const failure = this.#failures.get(key);
      if (failure !== undefined && state === 'FAILED' && failure.fingerprint === fingerprintOf(issuedCertificate)) {
        if (now < failure.retryAt) {
          this.#wakeAt(failure.retryAt);
          counts.set(state, (counts.get(state) ?? 0) + 1);
          continue;
        }
      }
      try {
        const outcome = await this.#step(issuedCertificate, view, key);
        state = outcome.state;
        if (outcome.recheck) this.#wakeAt(this.#now() + this.#recheckMs);
      } catch (error) {
        ok = false;
        this.#log.warn({ issuedCertificate: key, error: safeErrorText(error) }, 'step failed; retrying');
        this.#wakeAt(this.#now() + this.#recheckMs);
      }
      counts.set(state, (counts.get(state) ?? 0) + 1);
    }
    for (const [key, secret] of this.#known) {
      if (known.has(key)) continue;
      this.#writes.forget(key);
      this.#failures.delete(key);
      this.#log.info(
        { issuedCertificate: key, ...(secret === '' ? {} : { secret }) },
        'IssuedCertificate removed: its CertificateRequest and private key go with it (garbage collection); the CA Secret stays, so istiod keeps its CA',
      );
    }
    this.#known = known;
    for (const [state, count] of counts) this.metrics.issuedCertificates.set({ state }, count);
    return ok;
  }

  /** Observes, steps, acts and writes the status, for one IssuedCertificate. */
  async #step(issuedCertificate: IssuedCertificate, view: View, key: string): Promise<StepOutcome> {
    const namespace = issuedCertificate.metadata.namespace ?? this.#namespace;
    const name = issuedCertificate.metadata.name;
    const certificateRequest = parseResource(certificateRequestKind, view.get(CERTIFICATE_REQUEST, namespace, name));
    const keyRef = { name: privateKeySecretName(name), namespace };
    const privateKey = view.secret(keyRef, SECRET_TYPES.agentPrivateKey);
    const target = issuedCertificate.spec.issuedCertificateSecret;
    const targetRef =
      target === undefined ? undefined : { name: target.name, namespace: target.namespace ?? namespace };
    const observation: AgentObservation = {
      issuedCertificate,
      certificateRequest,
      privateKey: privateKey !== undefined,
      caSecret: caSecretFacts(
        targetRef === undefined ? undefined : view.secret(targetRef, SECRET_TYPES.issuedCertificate),
      ),
      podsBounced: false,
      now: this.#now(),
    };
    let step: AgentStep = agentStep(observation);
    // Pods are looked at only when the step is to restart them.
    let bounce: { directive: PodBounceDirective; digest: string; next: BounceStep } | undefined;
    let recheck = false;
    if (step.action.kind === 'bounce-pods') {
      const ref = step.action.directive;
      const directive = parseResource(podBounceDirectiveKind, view.get(POD_BOUNCE_DIRECTIVE, ref.namespace, ref.name));
      const digest =
        observation.caSecret?.signedCertificateDigest ??
        certificateDigest(certificateRequest?.status?.signedCertificate ?? '');
      if (directive === undefined) {
        // The management plane writes it with the IssuedCertificate; its watch event brings it.
        this.#log.debug(
          { issuedCertificate: key, directive: `${ref.namespace}/${ref.name}` },
          'no PodBounceDirective yet',
        );
        step = { action: { kind: 'wait', reason: 'no PodBounceDirective' }, status: step.status };
      } else {
        const next = await nextBounceStep(directive, digest, clusterBounceFacts(this.#client, directive));
        if (next.kind === 'done') step = agentStep({ ...observation, podsBounced: true });
        else bounce = { directive, digest, next };
      }
    }

    const action = step.action;
    let status: IssuedCertificateStatus = step.status;
    const written: KubeObject[] = [];
    let result: 'ok' | 'failed' = 'ok';
    try {
      switch (action.kind) {
        case 'wait':
          this.#log.debug({ issuedCertificate: key, reason: action.reason }, 'waiting');
          break;
        case 'ignore':
          break;
        case 'request': {
          // No key is made for a certificate that could not be installed.
          const outside =
            targetRef === undefined ? undefined : caSecretNamespaceProblem(targetRef.namespace, this.#meshNamespaces);
          if (outside !== undefined) {
            status = failedStatus(issuedCertificate, outside);
            break;
          }
          const foreign = targetRef === undefined ? undefined : await this.#foreignSecret(targetRef);
          if (foreign !== undefined) {
            status = failedStatus(issuedCertificate, foreign);
            break;
          }
          written.push(...(await this.#request(issuedCertificate, action)));
          this.#log.info({ issuedCertificate: key }, 'private key made; certificate requested');
          break;
        }
        case 'write-ca-secret': {
          const problem = await this.#writeCaSecret(issuedCertificate, action, privateKey, keyRef, written);
          if (problem !== undefined) status = failedStatus(issuedCertificate, problem);
          else
            this.#log.info(
              { issuedCertificate: key, secret: `${action.secret.namespace}/${action.secret.name}` },
              'CA Secret written',
            );
          break;
        }
        case 'bounce-pods': {
          if (bounce === undefined) break;
          const done = await performBounceStep(this.#client, bounce.directive, bounce.digest, bounce.next);
          written.push(...done.written);
          if (bounce.next.kind === 'reset')
            this.#log.info({ issuedCertificate: key }, 'restarting pods for the new CA certificate');
          if (done.evicted.length > 0 || bounce.next.kind === 'evict')
            this.#log.info({ issuedCertificate: key, pods: done.evicted }, 'pods evicted');
          if (done.blocked.length > 0) {
            this.#log.info(
              { issuedCertificate: key, pods: done.blocked },
              'a PodDisruptionBudget refuses these evictions; retrying',
            );
            recheck = true;
          }
          if (bounce.next.kind === 'waiting') {
            this.#log.debug({ issuedCertificate: key, reason: bounce.next.reason }, 'pod restarts waiting');
            recheck = true;
          }
          break;
        }
      }
    } catch (error) {
      status = failedStatus(issuedCertificate, `${describeAction(action, issuedCertificate)}: ${safeErrorText(error)}`);
    }
    if (status.state === 'FAILED' && action.kind !== 'wait' && action.kind !== 'ignore') result = 'failed';
    if (action.kind !== 'wait' && action.kind !== 'ignore') this.metrics.actions.inc({ action: action.kind, result });

    try {
      if (!jsonEqual(status, issuedCertificate.status ?? {})) {
        written.push(
          await this.#client.apply(
            {
              apiVersion: apiVersionOf(issuedCertificateKind),
              kind: issuedCertificateKind.kind,
              metadata: { name, namespace },
              status,
            },
            { subresource: 'status' },
          ),
        );
        if (status.state === 'FAILED')
          this.#log.warn({ issuedCertificate: key, error: status.error }, 'IssuedCertificate failed');
        else this.#log.info({ issuedCertificate: key, state: status.state }, 'IssuedCertificate state');
      }
      if (status.state === 'FAILED') this.#noteFailure(key, issuedCertificate);
      else this.#failures.delete(key);
    } finally {
      // Even when the status could not be written: what was written must be seen before the next step.
      this.#writes.wrote(
        key,
        written.flatMap((object) => writtenObject(object) ?? []),
        this.#now(),
      );
    }
    return { state: status.state ?? 'PENDING', recheck };
  }

  #noteFailure(key: string, issuedCertificate: IssuedCertificate): void {
    const fingerprint = fingerprintOf(issuedCertificate);
    const previous = this.#failures.get(key);
    // Counted once per failed attempt: a FAILED status merely seen again (a pass on other changes) is no new attempt.
    if (previous !== undefined && previous.fingerprint === fingerprint && this.#now() < previous.retryAt) return;
    const count = previous?.fingerprint === fingerprint ? previous.count + 1 : 1;
    const retryAt = this.#now() + retryDelayMs(count);
    this.#failures.set(key, { count, retryAt, fingerprint });
    this.#wakeAt(retryAt);
  }

  /** Why the Secret may not be written, if it exists and is not of the type the agent writes. */
  async #foreignSecret(ref: ObjectRef): Promise<string | undefined> {
    const live = SecretShape.safeParse(await this.#client.get(SECRET, ref.name, ref.namespace));
    if (!live.success) return undefined;
    const type = live.data.type ?? 'Opaque';
    if (type === SECRET_TYPES.issuedCertificate) return undefined;
    return `Secret ${ref.namespace}/${ref.name} exists with type ${type}, not written by Mesh Hub; it is left untouched. Remove it to let Mesh Hub manage this mesh's CA`;
  }

  async #request(
    issuedCertificate: IssuedCertificate,
    action: Extract<AgentAction, { kind: 'request' }>,
  ): Promise<KubeObject[]> {
    const namespace = issuedCertificate.metadata.namespace ?? this.#namespace;
    const name = issuedCertificate.metadata.name;
    const generated = await generateIntermediateRequest({
      hosts: action.hosts,
      orgName: action.org,
      keySizeBits: action.keySizeBits,
    });
    // Both go when the IssuedCertificate goes (garbage collection).
    const ownerReferences = [
      {
        apiVersion: apiVersionOf(issuedCertificateKind),
        kind: issuedCertificateKind.kind,
        name,
        uid: issuedCertificate.metadata.uid ?? '',
        controller: true,
      },
    ];
    const labels = { [MANAGED_BY_LABEL]: MANAGED_BY };
    const keySecret = await this.#client.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: privateKeySecretName(name), namespace, labels, ownerReferences },
      type: SECRET_TYPES.agentPrivateKey,
      data: { [SECRET_KEYS.agentPrivateKey]: Buffer.from(generated.privateKeyPem, 'utf8').toString('base64') },
    });
    const request = await this.#client.apply({
      apiVersion: apiVersionOf(certificateRequestKind),
      kind: certificateRequestKind.kind,
      metadata: {
        name,
        namespace,
        labels,
        annotations: { [INPUTS_HASH_ANNOTATION]: action.inputsHash },
        ownerReferences,
      },
      spec: { certificateSigningRequest: pemToBytes(generated.csrPem) },
    });
    return [keySecret, request];
  }

  /** Writes Istio's cacerts; returns why it may not, if it may not. */
  async #writeCaSecret(
    issuedCertificate: IssuedCertificate,
    action: Extract<AgentAction, { kind: 'write-ca-secret' }>,
    privateKey: SecretShape | undefined,
    keyRef: ObjectRef,
    written: KubeObject[],
  ): Promise<string | undefined> {
    const request = `CertificateRequest ${issuedCertificate.metadata.namespace ?? this.#namespace}/${issuedCertificate.metadata.name}`;
    const keyPem = decodeBase64(privateKey?.data?.[SECRET_KEYS.agentPrivateKey]);
    const certificatePem = bytesToPem(action.signedCertificate);
    const rootPem = bytesToPem(action.signingRootCa);
    if (!rootPem.includes('-----BEGIN CERTIFICATE-----')) return `the status of ${request} holds no signing root`;
    if (!certificateMatchesKey(certificatePem, keyPem)) {
      return `the certificate signed for ${request} does not match the private key in Secret ${keyRef.namespace}/${keyRef.name}`;
    }
    const outside = caSecretNamespaceProblem(action.secret.namespace, this.#meshNamespaces);
    if (outside !== undefined) return outside;
    const foreign = await this.#foreignSecret(action.secret);
    if (foreign !== undefined) return foreign;
    const data = istioCaSecretData({
      caCertificatePem: certificatePem,
      caPrivateKeyPem: keyPem,
      rootCertificatePem: rootPem,
    });
    written.push(
      await this.#client.apply({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: action.secret.name,
          namespace: action.secret.namespace,
          labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
          annotations: {
            [INPUTS_HASH_ANNOTATION]: action.inputsHash,
            [SIGNED_CERTIFICATE_HASH_ANNOTATION]: action.signedCertificateDigest,
          },
        },
        type: SECRET_TYPES.issuedCertificate,
        data: Object.fromEntries(
          Object.entries(data).map(([dataKey, value]) => [dataKey, Buffer.from(value, 'utf8').toString('base64')]),
        ),
      }),
    );
    return undefined;
  }
}

/** The action and the object it was about, to prefix an error with. */
function describeAction(action: AgentAction, issuedCertificate: IssuedCertificate): string {
  const namespace = issuedCertificate.metadata.namespace ?? '';
  const name = issuedCertificate.metadata.name;
  switch (action.kind) {
    case 'request':
      return `cannot request a certificate for IssuedCertificate ${namespace}/${name}`;
    case 'write-ca-secret':
      return `cannot write Secret ${action.secret.namespace}/${action.secret.name}`;
    case 'bounce-pods':
      return `cannot restart the pods of PodBounceDirective ${action.directive.namespace}/${action.directive.name}`;
    case 'wait':
    case 'ignore':
      return `IssuedCertificate ${namespace}/${name}`;
  }
}

// The cert agent: the workload-cluster half of shared trust. For each IssuedCertificate the
// management plane wrote into its namespace it makes the intermediate CA's private key and a CSR
// (the key never leaves this cluster), waits for the issuer to sign the CertificateRequest, writes
// Istio's `cacerts`, and follows the PodBounceDirective. The decisions are src/certs/phases.ts's
// agentStep; this module observes, acts, and writes the status agentStep returns.
import type { Logger } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
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
  failedStatus,
  pemToBytes,
  type AgentAction,
  type CaSecretFacts,
  type CertificateRequest,
  type IssuedCertificate,
  type IssuedCertificateStatus,
} from '../certs/phases.ts';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../install/manifests.ts';
import { ClusterCache } from '../kube/cache.ts';
import type { KubeClient } from '../kube/client.ts';
import { jsonEqual } from '../kube/diff.ts';
import {
  CERTIFICATE_REQUEST,
  ISSUED_CERTIFICATE,
  POD_BOUNCE_DIRECTIVE,
  resourcePath,
  SECRET,
  type ResourceType,
} from '../kube/resources.ts';
import {
  clusterFacts,
  nextBounceStep,
  performBounceStep,
  type BounceStep,
  type PodBounceDirective,
} from './pod-bounce.ts';
import { ReadYourWrites } from './read-your-writes.ts';

export interface CertAgentOptions {
  readonly client: KubeClient;
  /** The agent's namespace: where the management plane writes IssuedCertificates for this cluster. */
  readonly namespace: string;
  readonly logger: Logger;
  readonly debounceMs?: number;
}

interface SecretObject extends KubeObject {
  readonly type?: string;
  readonly data?: Record<string, string>;
}

/** Secrets of the agent's private keys: `<issued certificate>-private-key`. */
export function privateKeySecretName(issuedCertificate: string): string {
  return `${issuedCertificate}-private-key`;
}

/** Waits (rootCertSync, replicas) are checked again after this long. */
const RECHECK_MS = 2000;
/** Everything is looked at again this often, e.g. for a foreign cacerts Secret that was deleted. */
const RESYNC_MS = 30_000;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface CertAgentMetrics {
  readonly registry: Registry;
  readonly actions: Counter<'action' | 'result'>;
  readonly states: Gauge<'state'>;
}

function createAgentMetrics(): CertAgentMetrics {
  const registry = new Registry();
  return {
    registry,
    actions: new Counter({
      name: 'meshhub_cert_agent_actions_total',
      help: 'Actions of the cert agent (request, write-ca-secret, bounce-pods), by result.',
      labelNames: ['action', 'result'],
      registers: [registry],
    }),
    states: new Gauge({
      name: 'meshhub_cert_agent_issued_certificates',
      help: 'IssuedCertificates in the agent namespace, by state.',
      labelNames: ['state'],
      registers: [registry],
    }),
  };
}

export class CertAgent {
  readonly metrics = createAgentMetrics();
  readonly #client: KubeClient;
  readonly #namespace: string;
  readonly #log: Logger;
  readonly #cache: ClusterCache;
  readonly #writes = new ReadYourWrites();
  readonly #debounceMs: number;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #recheck: NodeJS.Timeout | undefined;
  #resync: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #passes = 0;

  constructor(options: CertAgentOptions) {
    this.#client = options.client;
    this.#namespace = options.namespace;
    this.#log = options.logger;
    const ns = options.namespace;
    this.#cache = new ClusterCache(
      options.client,
      [
        { type: ISSUED_CERTIFICATE, namespace: ns },
        { type: CERTIFICATE_REQUEST, namespace: ns },
        { type: POD_BOUNCE_DIRECTIVE, namespace: ns },
        { type: SECRET, namespace: ns, fieldSelector: `type=${SECRET_TYPES.agentPrivateKey}` },
        { type: SECRET, fieldSelector: `type=${SECRET_TYPES.issuedCertificate}` },
      ],
      () => {
        this.#markDirty();
      },
    );
    this.#debounceMs = options.debounceMs ?? 50;
  }

  start(): void {
    this.#log.info({ namespace: this.#namespace, server: this.#client.server }, 'cert agent starting');
    this.#cache.start();
    this.#resync = setInterval(() => {
      this.#markDirty(0);
    }, RESYNC_MS);
    this.#resync.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#recheck !== undefined) clearTimeout(this.#recheck);
    if (this.#resync !== undefined) clearInterval(this.#resync);
    this.#cache.stop();
    await this.#running;
  }

  ready(): boolean {
    return this.#cache.health().synced;
  }

  passes(): number {
    return this.#passes;
  }

  #markDirty(delayMs = this.#debounceMs): void {
    if (this.#stopped) return;
    this.#dirty = true;
    if (this.#timer !== undefined || this.#running !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#run();
    }, delayMs);
  }

  #run(): void {
    if (this.#running !== undefined || this.#stopped || !this.#dirty || !this.#cache.health().synced) return;
    this.#dirty = false;
    this.#running = this.#pass()
      .catch((error: unknown) => {
        this.#log.error({ error: errorText(error) }, 'cert agent pass failed');
        this.#dirty = true;
      })
      .finally(() => {
        this.#running = undefined;
        this.#passes++;
        if (this.#dirty) this.#markDirty();
      });
  }

  #object(type: ResourceType, name: string, namespace: string): KubeObject | undefined {
    return this.#cache
      .objectsOf(type)
      .find((o) => o.metadata.name === name && (o.metadata.namespace ?? '') === namespace);
  }

  async #pass(): Promise<void> {
    const issued = this.#cache.objectsOf(ISSUED_CERTIFICATE) as unknown as IssuedCertificate[];
    const states = new Map<string, number>();
    let recheck = false;
    for (const issuedCertificate of issued) {
      const state = issuedCertificate.status?.state ?? 'PENDING';
      states.set(state, (states.get(state) ?? 0) + 1);
      const key = `${issuedCertificate.metadata.namespace ?? ''}/${issuedCertificate.metadata.name}`;
      // Our last writes for it are not in the cache yet: acting now would act on old facts.
      if (!this.#writes.caughtUp(key, (ref) => this.#cache.objectsOf(ref.type), Date.now())) {
        recheck = true;
        continue;
      }
      try {
        if (await this.#process(issuedCertificate, key)) recheck = true;
      } catch (error) {
        this.#log.warn({ issuedCertificate: key, error: errorText(error) }, 'cert agent step failed');
        recheck = true;
      }
    }
    this.metrics.states.reset();
    for (const [state, count] of states) this.metrics.states.set({ state }, count);
    if (recheck && !this.#stopped) {
      if (this.#recheck !== undefined) clearTimeout(this.#recheck);
      this.#recheck = setTimeout(() => {
        this.#recheck = undefined;
        this.#markDirty(0);
      }, RECHECK_MS);
      this.#recheck.unref();
    }
  }

  /** One step for one IssuedCertificate; true when it waits for something no watch reports. */
  async #process(issuedCertificate: IssuedCertificate, key: string): Promise<boolean> {
    const ns = issuedCertificate.metadata.namespace ?? this.#namespace;
    const name = issuedCertificate.metadata.name;
    const request = this.#object(CERTIFICATE_REQUEST, name, ns) as unknown as CertificateRequest | undefined;
    const privateKey = this.#object(SECRET, privateKeySecretName(name), ns) as unknown as SecretObject | undefined;
    const target = issuedCertificate.spec.issuedCertificateSecret;
    const targetNs = target?.namespace ?? ns;
    const caSecret =
      target === undefined
        ? undefined
        : (this.#object(SECRET, target.name, targetNs) as unknown as SecretObject | undefined);
    const facts = caSecretFacts(caSecret);
    const directiveRef = issuedCertificate.spec.podBounceDirective;
    const directive =
      directiveRef === undefined
        ? undefined
        : (this.#object(POD_BOUNCE_DIRECTIVE, directiveRef.name, directiveRef.namespace ?? ns) as unknown as
            PodBounceDirective | undefined);
    let bounce: BounceStep = { kind: 'done' };
    if (directive !== undefined && facts?.signedCertificateDigest !== undefined) {
      bounce = await nextBounceStep(directive, facts.signedCertificateDigest, clusterFacts(this.#client, directive));
    }
    const step = agentStep({
      issuedCertificate,
      certificateRequest: request,
      privateKey: privateKey !== undefined,
      caSecret: facts,
      podsBounced: bounce.kind === 'done',
      now: Date.now(),
    });
    const action = step.action;
    let status: IssuedCertificateStatus = step.status;
    const written: KubeObject[] = [];
    let waiting = false;
    try {
      switch (action.kind) {
        case 'ignore':
          return false;
        case 'wait':
          break;
        case 'request': {
          // Do not ask for a certificate that could not be installed: a cacerts Mesh Hub did not write.
          const foreign = target === undefined ? undefined : await this.#foreignSecret(target.name, targetNs);
          if (foreign !== undefined) {
            status = failedStatus(issuedCertificate, foreign);
            break;
          }
          written.push(...(await this.#request(issuedCertificate, action)));
          this.#log.info({ issuedCertificate: key }, 'private key made; certificate requested');
          break;
        }
        case 'write-ca-secret': {
          const problem = await this.#writeCaSecret(issuedCertificate, action, privateKey, written);
          if (problem !== undefined) status = failedStatus(issuedCertificate, problem);
          else this.#log.info({ issuedCertificate: key, secret: `${targetNs}/${target?.name ?? ''}` }, 'CA written');
          break;
        }
        case 'bounce-pods': {
          if (directive === undefined || facts?.signedCertificateDigest === undefined) {
            // The directive is not there (yet): nothing to restart.
            status = { ...status };
            waiting = true;
            break;
          }
          const result = await performBounceStep(
            this.#client,
            POD_BOUNCE_DIRECTIVE,
            directive,
            facts.signedCertificateDigest,
            bounce,
          );
          written.push(...result.written);
          if (result.deleted.length > 0)
            this.#log.info({ issuedCertificate: key, pods: result.deleted }, 'pods restarted for the new CA');
          if (bounce.kind === 'waiting') {
            this.#log.debug({ issuedCertificate: key, reason: bounce.reason }, 'pod restart waiting');
            waiting = true;
          }
          break;
        }
      }
      this.metrics.actions.inc({ action: action.kind, result: status.state === 'FAILED' ? 'failed' : 'ok' });
    } catch (error) {
      this.metrics.actions.inc({ action: action.kind, result: 'error' });
      status = failedStatus(issuedCertificate, `${action.kind}: ${errorText(error)}`);
    }
    if (!jsonEqual(status, issuedCertificate.status ?? {})) {
      written.push(
        await this.#client.request<KubeObject>(
          'PATCH',
          `${resourcePath(ISSUED_CERTIFICATE, ns, name)}/status`,
          { status },
          'application/merge-patch+json',
        ),
      );
      if (status.state === 'FAILED')
        this.#log.warn({ issuedCertificate: key, error: status.error }, 'issued certificate failed');
    }
    this.#writes.expect(key, written, Date.now());
    return waiting;
  }

  /** Why the Secret may not be written by the agent, if it exists and is not of the type the agent writes. */
  async #foreignSecret(name: string, namespace: string): Promise<string | undefined> {
    const live = (await this.#client.get(SECRET, name, namespace)) as SecretObject | undefined;
    if (live === undefined || live.type === SECRET_TYPES.issuedCertificate) return undefined;
    return `Secret ${namespace}/${name} exists with type ${live.type ?? 'Opaque'} and was not written by Mesh Hub; it is left as it is. Delete it to let Mesh Hub manage this mesh's CA`;
  }

  async #request(
    issuedCertificate: IssuedCertificate,
    action: Extract<AgentAction, { kind: 'request' }>,
  ): Promise<KubeObject[]> {
    const ns = issuedCertificate.metadata.namespace ?? this.#namespace;
    const name = issuedCertificate.metadata.name;
    const generated = await generateIntermediateRequest({
      hosts: action.hosts,
      orgName: action.org,
      keySizeBits: action.keySizeBits,
    });
    // Both go with the IssuedCertificate (garbage collection).
    const ownerReferences = [
      {
        apiVersion: issuedCertificate.apiVersion,
        kind: issuedCertificate.kind,
        name,
        uid: issuedCertificate.metadata.uid ?? '',
        controller: true,
        blockOwnerDeletion: false,
      },
    ];
    const labels = { [MANAGED_BY_LABEL]: MANAGED_BY };
    const keySecret = await this.#client.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: privateKeySecretName(name), namespace: ns, labels, ownerReferences },
      type: SECRET_TYPES.agentPrivateKey,
      data: { [SECRET_KEYS.agentPrivateKey]: Buffer.from(generated.privateKeyPem).toString('base64') },
    });
    const request = await this.#client.apply({
      apiVersion: CERTIFICATE_REQUEST.group + '/' + CERTIFICATE_REQUEST.version,
      kind: CERTIFICATE_REQUEST.kind,
      metadata: {
        name,
        namespace: ns,
        labels,
        annotations: { [INPUTS_HASH_ANNOTATION]: action.inputsHash },
        ownerReferences,
      },
      spec: { certificateSigningRequest: pemToBytes(generated.csrPem) },
    });
    return [keySecret, request];
  }

  /** Writes cacerts; returns why it could not, if it could not. */
  async #writeCaSecret(
    issuedCertificate: IssuedCertificate,
    action: Extract<AgentAction, { kind: 'write-ca-secret' }>,
    privateKey: SecretObject | undefined,
    written: KubeObject[],
  ): Promise<string | undefined> {
    const keyPem = Buffer.from(privateKey?.data?.[SECRET_KEYS.agentPrivateKey] ?? '', 'base64').toString('utf8');
    const certificatePem = bytesToPem(action.signedCertificate);
    const name = issuedCertificate.metadata.name;
    if (!certificatePem.includes('BEGIN CERTIFICATE') || !certificateMatchesKey(certificatePem, keyPem)) {
      return `the signed certificate in CertificateRequest ${issuedCertificate.metadata.namespace ?? ''}/${name} does not belong to this agent's private key`;
    }
    const foreign = await this.#foreignSecret(action.secret.name, action.secret.namespace);
    if (foreign !== undefined) return foreign;
    const data = istioCaSecretData({
      caCertificatePem: certificatePem,
      caPrivateKeyPem: keyPem,
      rootCertificatePem: bytesToPem(action.signingRootCa),
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
          Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
        ),
      }),
    );
    return undefined;
  }
}

/** What agentStep needs to know of the cacerts Secret. */
export function caSecretFacts(secret: SecretObject | undefined): CaSecretFacts | undefined {
  if (secret === undefined) return undefined;
  const annotations = secret.metadata.annotations ?? {};
  const inputsHash = annotations[INPUTS_HASH_ANNOTATION];
  const signedCertificateDigest = annotations[SIGNED_CERTIFICATE_HASH_ANNOTATION];
  let validity: { notBefore: number; notAfter: number } | undefined;
  const pem = Buffer.from(secret.data?.[SECRET_KEYS.caCert] ?? '', 'base64').toString('utf8');
  try {
    if (pem !== '') validity = certificateValidity(pem);
  } catch {
    validity = undefined;
  }
  return {
    ...(inputsHash === undefined ? {} : { inputsHash }),
    ...(signedCertificateDigest === undefined ? {} : { signedCertificateDigest }),
    ...(validity ?? {}),
  };
}

import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { pino } from 'pino';
import type { KubeObject } from '../api/meta.ts';
import {
  INPUTS_HASH_ANNOTATION,
  SECRET_KEYS,
  SECRET_TYPES,
  SIGNED_CERTIFICATE_HASH_ANNOTATION,
} from '../certs/cert-defaults.ts';
import { generateIntermediateRequest, generateRootCa, signIntermediate } from '../certs/crypto.ts';
import { bytesToPem, signedRequestStatus, type CertificateRequest } from '../certs/phases.ts';
import type { ListOptions, ObjectList } from '../kube/client.ts';
import { CERTIFICATE_REQUEST, ISSUED_CERTIFICATE, objectKey, SECRET, type ResourceType } from '../kube/resources.ts';
import {
  caSecretFacts,
  agentWatches,
  CertAgent,
  privateKeySecretName,
  retryDelayMs,
  safeErrorText,
  type AgentCache,
  type AgentClient,
} from './cert-agent.ts';

const NS = 'gloo-mesh';
const CERTS_GROUP = 'certificates.mesh.gloo.solo.io';

function keyOf(type: ResourceType, name: string, namespace: string | undefined): string {
  return `${type.group}/${type.kind}/${type.namespaced ? (namespace ?? '') : ''}/${name}`;
}

/**
 * An API server in memory: apply (spec and status), get, delete, merge-patch of annotations,
 * resourceVersions from one counter, generation bumped on spec changes. Counts writes per object.
 */
class FakeCluster implements AgentClient {
  readonly server = 'https://fake';
  readonly objects = new Map<string, KubeObject>();
  readonly applies = new Map<string, number>();
  gets = 0;
  #version = 100;
  #uid = 0;

  put(object: KubeObject): KubeObject {
    const stored = {
      ...object,
      metadata: {
        ...object.metadata,
        uid: object.metadata.uid ?? `uid-${String(++this.#uid)}`,
        generation: object.metadata.generation ?? 1,
        resourceVersion: String(++this.#version),
      },
    };
    this.objects.set(objectKey(stored), stored);
    return structuredClone(stored);
  }

  apply(object: KubeObject, options: { subresource?: 'status' } = {}): Promise<KubeObject> {
    const key = objectKey(object);
    const counted = `${key}${options.subresource === 'status' ? '/status' : ''}`;
    this.applies.set(counted, (this.applies.get(counted) ?? 0) + 1);
    const live = this.objects.get(key);
    if (options.subresource === 'status') {
      if (live === undefined) return Promise.reject(new Error(`${key} not found`));
      return Promise.resolve(this.put({ ...live, status: object.status }));
    }
    const { status: _ignored, ...content } = object;
    const specChanged = JSON.stringify(content.spec) !== JSON.stringify(live?.spec);
    const generation = (live?.metadata.generation ?? 0) + (live === undefined || specChanged ? 1 : 0);
    return Promise.resolve(
      this.put({
        ...content,
        ...(live?.status === undefined ? {} : { status: live.status }),
        metadata: {
          ...content.metadata,
          ...(live?.metadata.uid === undefined ? {} : { uid: live.metadata.uid }),
          generation,
        },
      }),
    );
  }

  get(type: ResourceType, name: string, namespace?: string): Promise<KubeObject | undefined> {
    this.gets++;
    const found = this.objects.get(keyOf(type, name, namespace));
    return Promise.resolve(found === undefined ? undefined : structuredClone(found));
  }

  list(type: ResourceType, options: ListOptions = {}): Promise<ObjectList> {
    const items = [...this.objects.values()].filter(
      (o) =>
        o.kind === type.kind &&
        (options.namespace === undefined || o.metadata.namespace === options.namespace) &&
        (options.labelSelector ?? '')
          .split(',')
          .filter((term) => term !== '')
          .every((term) => {
            const [label = '', value] = term.split('=');
            return o.metadata.labels?.[label] === value;
          }),
    );
    return Promise.resolve({ items: structuredClone(items), metadata: {} });
  }

  delete(type: ResourceType, name: string, namespace?: string): Promise<boolean> {
    return Promise.resolve(this.objects.delete(keyOf(type, name, namespace)));
  }

  request<T>(method: string, path: string): Promise<T> {
    return Promise.reject(new Error(`unexpected ${method} ${path}`));
  }

  writesOf(type: ResourceType, name: string, namespace = NS): number {
    return this.applies.get(keyOf(type, name, namespace)) ?? 0;
  }
}

/** A cache that shows the cluster only when told to (`sync`): a watch as late as a test wants it. */
class LaggingCache implements AgentCache {
  #snapshot: KubeObject[] = [];
  onChange: () => void = () => undefined;
  readonly #cluster: FakeCluster;

  constructor(cluster: FakeCluster) {
    this.#cluster = cluster;
  }

  start(): void {
    this.sync();
  }
  stop(): void {
    // nothing runs
  }
  health() {
    return { synced: true };
  }
  objectsOf(type: ResourceType): KubeObject[] {
    return this.#snapshot.filter(
      (o) =>
        o.kind === type.kind && (type.group === '' ? !o.apiVersion.includes('/') : o.apiVersion.startsWith(type.group)),
    );
  }
  /** Shows the cluster as it is now and reports a change. */
  sync(): void {
    this.#snapshot = structuredClone([...this.#cluster.objects.values()]);
    this.onChange();
  }
  /** Reports a change without showing anything new (an event about an unrelated object). */
  poke(): void {
    this.onChange();
  }
}

function issuedCertificate(name: string, secretNamespace: string): KubeObject {
  return {
    apiVersion: `${CERTS_GROUP}/v1`,
    kind: 'IssuedCertificate',
    metadata: { name, namespace: NS, annotations: { [INPUTS_HASH_ANNOTATION]: 'inputs-1' } },
    spec: {
      hosts: [`spiffe://cluster.local/ns/${secretNamespace}/sa/istiod`],
      org: 'Istio',
      issuedCertificateSecret: { name: 'cacerts', namespace: secretNamespace },
      certOptions: { rsaKeySizeBytes: 2048, ttlDays: 1 },
      glooMeshCa: { signingCertificateSecret: { name: 'root', namespace: 'gloo-mesh' } },
    },
  };
}

function startAgent(t: TestContext, options: { catchUpTimeoutMs?: number } = {}) {
  const cluster = new FakeCluster();
  const cache = new LaggingCache(cluster);
  const agent = new CertAgent({
    client: cluster,
    cache: (_specs, onChange) => {
      cache.onChange = onChange;
      return cache;
    },
    namespace: NS,
    logger: pino({ level: 'silent' }),
    debounceMs: 1,
    recheckMs: 20,
    catchUpTimeoutMs: options.catchUpTimeoutMs ?? 60_000,
  });
  t.after(() => agent.stop());
  /** Resolves after the next `count` passes. */
  const passes = (count = 1) =>
    new Promise<void>((resolve) => {
      let left = count;
      const off = agent.onPass(() => {
        if (--left === 0) {
          off();
          resolve();
        }
      });
    });
  const until = async (what: string, check: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const state = (name: string) =>
    (cluster.objects.get(keyOf(ISSUED_CERTIFICATE, name, NS)) as { status?: { state?: string; error?: string } })
      .status ?? {};
  return { cluster, cache, agent, passes, until, state };
}

describe('cert agent loop', () => {
  it('makes no key for a CA Secret outside its mesh namespaces, and says which namespaces it may write', async (t) => {
    const { cluster, agent, until, state } = startAgent(t);
    cluster.put(issuedCertificate('mesh', 'team-b'));
    agent.start();
    await until('FAILED', () => state('mesh').state === 'FAILED');
    assert.match(
      state('mesh').error ?? '',
      /^spec\.issuedCertificateSecret\.namespace: team-b is not a mesh namespace of this cert agent \(istio-system\)/,
    );
    assert.equal(cluster.writesOf(CERTIFICATE_REQUEST, 'mesh'), 0);
    assert.equal(cluster.writesOf(SECRET, privateKeySecretName('mesh')), 0);
  });

  it('retries a pass that throws with growing back-off (the loop helper), then carries on', async (t) => {
    const { cluster, cache, agent, until, state } = startAgent(t);
    cluster.put(issuedCertificate('mesh', 'team-b'));
    const attempts: number[] = [];
    const objectsOf = cache.objectsOf.bind(cache);
    cache.objectsOf = (type) => {
      if (type === ISSUED_CERTIFICATE && attempts.length < 4) {
        attempts.push(performance.now());
        throw new Error('a bug in a pass');
      }
      return objectsOf(type);
    };
    agent.start();
    await until('FAILED', () => state('mesh').state === 'FAILED');
    assert.equal(attempts.length, 4);
    // recheckMs 20: retries after 10–20, 20–40, 40–80 ms; a fixed 20 ms retry would be under 40 here.
    const last = (attempts[3] ?? 0) - (attempts[2] ?? 0);
    assert.ok(last >= 38, `third retry after ${String(last)} ms`);
  });

  it('watches Secrets only in its namespace and its mesh namespaces', () => {
    const secrets = agentWatches('gloo-mesh', ['istio-system', 'istio-canary']).filter((w) => w.type === SECRET);
    assert.deepEqual(
      secrets.map((w) => w.namespace),
      ['gloo-mesh', 'istio-canary', 'istio-system'],
    );
  });

  it('does not request again while its cache has not caught up with its own writes', async (t) => {
    const { cluster, cache, agent, passes, until, state } = startAgent(t);
    cluster.put(issuedCertificate('mesh', 'istio-system'));
    agent.start();
    await until('the first request', () => cluster.writesOf(CERTIFICATE_REQUEST, 'mesh') === 1);
    await until('REQUESTED', () => state('mesh').state === 'REQUESTED');
    // The cache still shows the IssuedCertificate PENDING and no CertificateRequest: stepping on
    // that would make a second key and a second request.
    for (let i = 0; i < 3; i++) {
      const next = passes();
      cache.poke();
      await next;
    }
    assert.equal(cluster.writesOf(CERTIFICATE_REQUEST, 'mesh'), 1);
    assert.equal(cluster.writesOf(SECRET, privateKeySecretName('mesh')), 1);
    // Caught up: REQUESTED with its request in view; the issuer has not answered: wait.
    const next = passes();
    cache.sync();
    await next;
    assert.equal(cluster.writesOf(CERTIFICATE_REQUEST, 'mesh'), 1);
    assert.equal(state('mesh').state, 'REQUESTED');
  });

  it('trusts the cache again after the catch-up timeout', async (t) => {
    const { cluster, cache, agent, until } = startAgent(t, { catchUpTimeoutMs: 100 });
    cluster.put(issuedCertificate('mesh', 'istio-system'));
    agent.start();
    await until('the first request', () => cluster.writesOf(CERTIFICATE_REQUEST, 'mesh') === 1);
    // Never synced: once the deadline passed, the stale PENDING view is acted on again.
    const started = Date.now();
    await until('a second request', () => {
      cache.poke();
      return cluster.writesOf(CERTIFICATE_REQUEST, 'mesh') === 2;
    });
    assert.ok(Date.now() - started >= 50, 'not before the deadline');
  });

  it('writes cacerts from the signed certificate, the root and the private key, and finishes', async (t) => {
    const { cluster, cache, agent, until, state } = startAgent(t);
    cluster.put(issuedCertificate('mesh', 'istio-system'));
    agent.start();
    await until('REQUESTED', () => state('mesh').state === 'REQUESTED');
    cache.sync();
    const request = cluster.objects.get(keyOf(CERTIFICATE_REQUEST, 'mesh', NS)) as CertificateRequest;
    assert.equal(request.metadata.annotations?.[INPUTS_HASH_ANNOTATION], 'inputs-1');
    const root = await generateRootCa({ rsaKeySizeBytes: 2048 });
    const certificatePem = await signIntermediate({
      csrPem: bytesToPem(request.spec.certificateSigningRequest ?? ''),
      root,
      hosts: ['spiffe://cluster.local/ns/istio-system/sa/istiod'],
    });
    cluster.put({
      ...request,
      status: signedRequestStatus(request, certificatePem, root.certificatePem),
    });
    cache.sync();
    await until('ISSUED', () => state('mesh').state === 'ISSUED');
    const cacerts = cluster.objects.get(keyOf(SECRET, 'cacerts', 'istio-system')) as KubeObject & {
      type: string;
      data: Record<string, string>;
    };
    assert.equal(cacerts.type, SECRET_TYPES.issuedCertificate);
    assert.deepEqual(Object.keys(cacerts.data).sort(), [
      'ca-cert.pem',
      'ca-key.pem',
      'cert-chain.pem',
      'root-cert.pem',
    ]);
    assert.equal(Buffer.from(cacerts.data[SECRET_KEYS.rootCert] ?? '', 'base64').toString(), root.certificatePem);
    const facts = caSecretFacts(cacerts);
    assert.equal(facts?.inputsHash, 'inputs-1');
    assert.ok(facts.signedCertificateDigest !== undefined && facts.notAfter !== undefined);
    // No PodBounceDirective named: ISSUED → FINISHED.
    cache.sync();
    await until('FINISHED', () => state('mesh').state === 'FINISHED');
    assert.equal(cluster.writesOf(CERTIFICATE_REQUEST, 'mesh'), 1);
  });

  it('fails, without writing, when the signed certificate is not for its private key', async (t) => {
    const { cluster, cache, agent, until, state } = startAgent(t);
    cluster.put(issuedCertificate('mesh', 'istio-system'));
    agent.start();
    await until('REQUESTED', () => state('mesh').state === 'REQUESTED');
    cache.sync();
    const request = cluster.objects.get(keyOf(CERTIFICATE_REQUEST, 'mesh', NS)) as CertificateRequest;
    const root = await generateRootCa({ rsaKeySizeBytes: 2048 });
    const other = await generateIntermediateRequest({ hosts: [], orgName: 'Istio', keySizeBits: 2048 });
    const certificatePem = await signIntermediate({ csrPem: other.csrPem, root, hosts: [] });
    cluster.put({
      ...request,
      status: signedRequestStatus(request, certificatePem, root.certificatePem),
    });
    cache.sync();
    await until('FAILED', () => state('mesh').state === 'FAILED');
    assert.equal(
      state('mesh').error,
      `the certificate signed for CertificateRequest ${NS}/mesh does not match the private key in Secret ${NS}/mesh-private-key`,
    );
    assert.equal(cluster.objects.get(keyOf(SECRET, 'cacerts', 'istio-system')), undefined);
  });

  it('leaves a cacerts it did not write alone, fails saying so, and retries only after a back-off', async (t) => {
    const { cluster, cache, agent, passes, until, state } = startAgent(t);
    const handMade = cluster.put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'cacerts', namespace: 'istio-system' },
      type: 'Opaque',
      data: { 'ca-cert.pem': 'aGFuZA==' },
    });
    cluster.put(issuedCertificate('mesh', 'istio-system'));
    agent.start();
    await until('FAILED', () => state('mesh').state === 'FAILED');
    assert.equal(
      state('mesh').error,
      "Secret istio-system/cacerts exists with type Opaque, not written by Mesh Hub; it is left untouched. Remove it to let Mesh Hub manage this mesh's CA",
    );
    assert.deepEqual(cluster.objects.get(keyOf(SECRET, 'cacerts', 'istio-system')), handMade);
    assert.equal(cluster.writesOf(CERTIFICATE_REQUEST, 'mesh'), 0, 'no key is made for a CA it could not install');
    // FAILED in view: within the back-off, passes leave it alone.
    const lookedAt = cluster.gets;
    let next = passes();
    cache.sync();
    await next;
    next = passes();
    cache.poke();
    await next;
    assert.equal(cluster.gets, lookedAt, 'no retry within the back-off');
    // Removed: the retry after the back-off requests.
    await cluster.delete(SECRET, 'cacerts', 'istio-system');
    cache.sync();
    await until('REQUESTED after the back-off', () => state('mesh').state === 'REQUESTED');
  });
});

describe('cert agent helpers', () => {
  it('backs off exponentially, up to five minutes', () => {
    assert.deepEqual([1, 2, 3, 4].map(retryDelayMs), [2000, 4000, 8000, 16000]);
    assert.equal(retryDelayMs(30), 300_000);
  });

  it('keeps PEM text, long base64 and bearer tokens out of error text', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    const base64 = 'QmFzZTY0IG9mIHJhbmRvbSBieXRlcyBtaXhlcyBjYXNlcyBhbmQgZGlnaXRzIDAxMjM0NTY3ODk=';
    const text = safeErrorText(new Error(`422: data: Invalid value: "${base64}" near ${pem}; Bearer abc.def`));
    assert.equal(text, '422: data: Invalid value: "[redacted]" near [PEM redacted]; Bearer [redacted]');
    const path = `/api/v1/namespaces/${'long-namespace-'.repeat(4)}/secrets/mesh-private-key: 403 forbidden`;
    assert.equal(safeErrorText(path), path, 'object names and paths stay');
    assert.ok(safeErrorText('x'.repeat(1000)).length <= 401);
  });

  it('reads what agentStep needs from a cacerts Secret, tolerating one without a certificate', () => {
    const secret = {
      metadata: {
        name: 'cacerts',
        annotations: { [INPUTS_HASH_ANNOTATION]: 'h', [SIGNED_CERTIFICATE_HASH_ANNOTATION]: 'd' },
      },
      data: { [SECRET_KEYS.caCert]: Buffer.from('not a certificate').toString('base64') },
    };
    assert.deepEqual(caSecretFacts(secret), { inputsHash: 'h', signedCertificateDigest: 'd' });
    assert.equal(caSecretFacts(undefined), undefined);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INPUTS_HASH_ANNOTATION, SECRET_KEYS } from './cert-defaults.ts';
import {
  certificateValidity,
  generateIntermediateRequest,
  generateRootCa,
  istioCaSecretData,
  signIntermediate,
} from './crypto.ts';
import {
  agentStep,
  bytesToPem,
  certificateDigest,
  issuerStep,
  pemToBytes,
  rotationDue,
  signedRequestStatus,
  type AgentObservation,
  type CaSecretFacts,
  type CertificateRequest,
  type IssuedCertificate,
} from './phases.ts';

const DAY = 24 * 3600_000;
const KEY_BITS = 2048;

function issuedCertificate(hash: string, generation = 1, status?: IssuedCertificate['status']): IssuedCertificate {
  return {
    apiVersion: 'certificates.mesh.gloo.solo.io/v1',
    kind: 'IssuedCertificate',
    metadata: {
      name: 'istiod-istio-system-c1',
      namespace: 'gloo-mesh',
      generation,
      annotations: { [INPUTS_HASH_ANNOTATION]: hash },
    },
    spec: {
      hosts: ['spiffe://cluster.local/ns/istio-system/sa/istiod'],
      org: 'Istio',
      certOptions: { ttlDays: 10, rsaKeySizeBytes: KEY_BITS, orgName: 'Istio', secretRotationGracePeriodRatio: 0.1 },
      issuedCertificateSecret: { name: 'cacerts', namespace: 'istio-system' },
      glooMeshCa: { signingCertificateSecret: { name: 'vm.gloo-mesh', namespace: 'gloo-mesh' } },
      podBounceDirective: { name: 'istiod-istio-system-c1', namespace: 'gloo-mesh' },
    },
    ...(status === undefined ? {} : { status }),
  };
}

/** A workload cluster and the management plane, in memory, driven only by the two step functions. */
class World {
  ic: IssuedCertificate;
  cr: CertificateRequest | undefined;
  privateKey: string | undefined;
  caSecret: { data: Record<string, string>; facts: CaSecretFacts } | undefined;
  podsBounced = false;
  bounces = 0;
  now = Date.parse('2026-11-24T12:00:00Z');
  root: { certificatePem: string; privateKeyPem: string };
  constructor(root: { certificatePem: string; privateKeyPem: string }, hash = 'h1') {
    this.root = root;
    this.ic = issuedCertificate(hash);
  }

  observation(): AgentObservation {
    return {
      issuedCertificate: this.ic,
      certificateRequest: this.cr,
      privateKey: this.privateKey !== undefined,
      caSecret: this.caSecret?.facts,
      podsBounced: this.podsBounced,
      now: this.now,
    };
  }

  /** One agent step, with its action performed as the cert agent would. */
  async agent(): Promise<string> {
    const step = agentStep(this.observation());
    const action = step.action;
    switch (action.kind) {
      case 'request': {
        const request = await generateIntermediateRequest({
          hosts: action.hosts,
          orgName: action.org,
          keySizeBits: action.keySizeBits,
        });
        this.privateKey = request.privateKeyPem;
        const generation = (this.cr?.metadata.generation ?? 0) + 1;
        this.cr = {
          apiVersion: 'certificates.mesh.gloo.solo.io/v1',
          kind: 'CertificateRequest',
          metadata: {
            name: this.ic.metadata.name,
            namespace: 'gloo-mesh',
            generation,
            annotations: { [INPUTS_HASH_ANNOTATION]: action.inputsHash },
          },
          spec: { certificateSigningRequest: pemToBytes(request.csrPem) },
          ...(this.cr?.status === undefined ? {} : { status: this.cr.status }),
        };
        this.podsBounced = false;
        break;
      }
      case 'write-ca-secret': {
        const certificate = bytesToPem(action.signedCertificate);
        this.caSecret = {
          data: istioCaSecretData({
            caCertificatePem: certificate,
            caPrivateKeyPem: this.privateKey ?? '',
            rootCertificatePem: bytesToPem(action.signingRootCa),
          }),
          facts: {
            inputsHash: action.inputsHash,
            signedCertificateDigest: action.signedCertificateDigest,
            ...certificateValidity(certificate),
          },
        };
        this.podsBounced = false;
        break;
      }
      case 'bounce-pods':
        this.bounces++;
        this.podsBounced = true;
        break;
      case 'wait':
      case 'ignore':
        break;
    }
    this.ic = { ...this.ic, status: step.status };
    return `${action.kind}→${step.status.state ?? '-'}`;
  }

  /** One issuer step, with its signature made as the issuer would. */
  async issuer(): Promise<string> {
    if (this.cr === undefined) return 'none';
    const step = issuerStep({
      certificateRequest: this.cr,
      issuedCertificate: this.ic,
      rootCertificate: this.root.certificatePem,
    });
    let status = step.status;
    if (step.action.kind === 'sign') {
      const signed = await signIntermediate({
        csrPem: bytesToPem(step.action.certificateSigningRequest),
        root: this.root,
        hosts: step.action.hosts,
        ttlDays: step.action.ttlDays,
        now: new Date(this.now),
      });
      status = signedRequestStatus(this.cr, signed, this.root.certificatePem);
    }
    this.cr = { ...this.cr, status };
    return `${step.action.kind}→${status.state ?? '-'}`;
  }
}

describe('certificate phases (agent and issuer, with real crypto)', () => {
  it('runs PENDING → REQUESTED → ISSUED → FINISHED, the key staying with the agent', async () => {
    const world = new World(await generateRootCa({ rsaKeySizeBytes: KEY_BITS }));
    assert.equal(await world.agent(), 'request→REQUESTED');
    assert.equal(await world.agent(), 'wait→REQUESTED');
    assert.equal(await world.issuer(), 'sign→FINISHED');
    assert.equal(await world.issuer(), 'wait→FINISHED');
    assert.equal(await world.agent(), 'write-ca-secret→ISSUED');
    assert.equal(await world.agent(), 'bounce-pods→ISSUED');
    assert.equal(await world.agent(), 'wait→FINISHED');
    assert.equal(await world.agent(), 'wait→FINISHED');
    assert.equal(world.bounces, 1);
    const data = world.caSecret?.data ?? {};
    assert.equal(data[SECRET_KEYS.rootCert], world.root.certificatePem);
    assert.equal(data[SECRET_KEYS.caKey], world.privateKey);
    // The management plane only ever saw the CSR and the certificates, never the key.
    assert.doesNotMatch(JSON.stringify(world.cr), /PRIVATE KEY/);
  });

  it('issues again when the inputs hash (root or options) changes, and when the spec generation moves', async () => {
    const world = new World(await generateRootCa({ rsaKeySizeBytes: KEY_BITS }));
    for (let i = 0; i < 4; i++) {
      await world.agent();
      await world.issuer();
    }
    await world.agent();
    assert.equal(world.ic.status?.state, 'FINISHED');
    const firstKey = world.privateKey;
    world.ic = { ...issuedCertificate('h2'), status: world.ic.status ?? {} };
    assert.equal(await world.agent(), 'request→REQUESTED');
    assert.notEqual(world.privateKey, firstKey);
    assert.equal(world.cr?.metadata.annotations?.[INPUTS_HASH_ANNOTATION], 'h2');
    // The new CSR is a new generation of the request: the issuer signs it again.
    assert.equal(await world.issuer(), 'sign→FINISHED');
    assert.equal(await world.agent(), 'write-ca-secret→ISSUED');

    world.ic = { ...issuedCertificate('h2', 2), status: world.ic.status ?? {} };
    assert.equal(await world.agent(), 'request→REQUESTED');
  });

  it('re-signs with a new root and the agent installs the new chain', async () => {
    const world = new World(await generateRootCa({ rsaKeySizeBytes: KEY_BITS }));
    for (let i = 0; i < 5; i++) {
      await world.agent();
      await world.issuer();
    }
    assert.equal(world.ic.status?.state, 'FINISHED');
    world.root = await generateRootCa({ rsaKeySizeBytes: KEY_BITS });
    assert.equal(await world.issuer(), 'sign→FINISHED');
    assert.equal(await world.agent(), 'write-ca-secret→ISSUED');
    assert.equal(await world.agent(), 'bounce-pods→ISSUED');
    assert.equal(await world.agent(), 'wait→FINISHED');
    assert.equal(world.caSecret?.data[SECRET_KEYS.rootCert], world.root.certificatePem);
    assert.equal(world.bounces, 2);
  });

  it('rotates before expiry, within the grace ratio', async () => {
    const world = new World(await generateRootCa({ rsaKeySizeBytes: KEY_BITS }));
    for (let i = 0; i < 5; i++) {
      await world.agent();
      await world.issuer();
    }
    assert.equal(await world.agent(), 'wait→FINISHED');
    world.now += 8 * DAY; // 10-day intermediate, 10 % grace: due from day 9
    assert.equal(await world.agent(), 'wait→FINISHED');
    world.now += 1 * DAY + 3600_000;
    assert.equal(await world.agent(), 'request→REQUESTED');
  });

  it('fails with the reason and starts again', async () => {
    const world = new World(await generateRootCa({ rsaKeySizeBytes: KEY_BITS }));
    await world.agent();
    const cr = world.cr;
    assert.ok(cr !== undefined);
    world.cr = {
      ...cr,
      status: { observedGeneration: cr.metadata.generation ?? 0, state: 'FAILED', error: 'no root' },
    };
    assert.equal(await world.agent(), 'wait→FAILED');
    assert.match(world.ic.status?.error ?? '', /could not sign the request: no root/);
    assert.equal(await world.agent(), 'request→REQUESTED');
    assert.equal(world.ic.status?.error, undefined);
  });

  it('ignores IssuedCertificates without a target Secret, and requests the issuer cannot serve fail', () => {
    const ic = issuedCertificate('h');
    const { issuedCertificateSecret: _s, ...spec } = ic.spec;
    const step = agentStep({
      issuedCertificate: { ...ic, spec },
      certificateRequest: undefined,
      privateKey: false,
      caSecret: undefined,
      podsBounced: false,
      now: 0,
    });
    assert.equal(step.action.kind, 'ignore');
    const request: CertificateRequest = {
      apiVersion: 'certificates.mesh.gloo.solo.io/v1',
      kind: 'CertificateRequest',
      metadata: { name: 'x', namespace: 'gloo-mesh', generation: 1 },
      spec: { certificateSigningRequest: pemToBytes('csr') },
    };
    assert.match(
      issuerStep({ certificateRequest: request, issuedCertificate: undefined, rootCertificate: 'r' }).status.error ??
        '',
      /no IssuedCertificate/,
    );
    assert.match(
      issuerStep({ certificateRequest: request, issuedCertificate: ic, rootCertificate: undefined }).status.error ?? '',
      /does not exist on the management cluster/,
    );
  });

  it('computes the rotation window and certificate digests', () => {
    assert.equal(rotationDue(0, 100, 0.1, 89), false);
    assert.equal(rotationDue(0, 100, 0.1, 90), true);
    assert.equal(rotationDue(0, 100, undefined, 90), true);
    assert.equal(rotationDue(0, 100, 0.5, 50), true);
    assert.equal(
      certificateDigest('-----BEGIN X-----\nAAA\n-----END X-----\n'),
      certificateDigest(pemToBytes('-----BEGIN X-----\r\nAAA\r\n-----END X-----')),
    );
  });

  it('does not sign again when the status holds a bundle led by the root in force, and does for a new root', async () => {
    const [current, previous, next] = await Promise.all([
      generateRootCa({ rsaKeySizeBytes: KEY_BITS, ttlDays: 2 }),
      generateRootCa({ rsaKeySizeBytes: KEY_BITS, ttlDays: 2 }),
      generateRootCa({ rsaKeySizeBytes: KEY_BITS, ttlDays: 2 }),
    ]);
    const csr = await generateIntermediateRequest({ hosts: ['spiffe://x'], orgName: 'Istio', keySizeBits: KEY_BITS });
    const base: CertificateRequest = {
      apiVersion: 'certificates.mesh.gloo.solo.io/v1',
      kind: 'CertificateRequest',
      metadata: { name: 'istiod-istio-system-c1', namespace: 'gloo-mesh', generation: 1 },
      spec: { certificateSigningRequest: pemToBytes(csr.csrPem) },
    };
    const request = {
      ...base,
      status: signedRequestStatus(base, 'CERT', current.certificatePem + previous.certificatePem),
    };
    const ic = issuedCertificate('h1');
    assert.equal(
      issuerStep({ certificateRequest: request, issuedCertificate: ic, rootCertificate: current.certificatePem }).action
        .kind,
      'wait',
    );
    assert.equal(
      issuerStep({ certificateRequest: request, issuedCertificate: ic, rootCertificate: next.certificatePem }).action
        .kind,
      'sign',
    );
  });
});

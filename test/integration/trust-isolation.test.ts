// One bad trust object fails only itself, against real kube-apiservers: the issuer (src/reconcile/
// trust.ts Issuer) signs a workload cluster's good CertificateRequest and FAILs the malformed one
// beside it with the field named; a generated root Secret that cannot be parsed is reported for
// its VirtualMesh only, and the root of the VirtualMesh beside it is still generated.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { OWNER_IDENTITY_LABEL, OWNER_LABEL } from '../../src/api/labels.ts';
import type { KubeObject } from '../../src/api/meta.ts';
import { SECRET_KEYS, SECRET_TYPES } from '../../src/certs/cert-defaults.ts';
import { certificateValidity, generateIntermediateRequest, generateRootCa } from '../../src/certs/crypto.ts';
import { bytesToPem, pemToBytes, type CertificateRequest } from '../../src/certs/phases.ts';
import type { VirtualMesh } from '../../src/networking/model.ts';
import { ClusterCache } from '../../src/kube/cache.ts';
import { clientFromKubeconfigFile, type KubeClient } from '../../src/kube/client.ts';
import { CERTIFICATE_REQUEST, ISSUED_CERTIFICATE, SECRET } from '../../src/kube/resources.ts';
import { Issuer, RootCertificates } from '../../src/reconcile/trust.ts';
import { freshNamespace, testCluster, waitFor } from '../testenv/helpers.ts';

const GROUP = 'certificates.mesh.gloo.solo.io/v1';
const IDENTITY = 'trust-isolation-test';
const log = pino({ level: 'silent' });

function client(context: string): KubeClient {
  const path = process.env.MESHHUB_TEST_KUBECONFIG;
  if (path === undefined || path === '') throw new Error('MESHHUB_TEST_KUBECONFIG is not set');
  return clientFromKubeconfigFile(context, path, context);
}

const base64 = (text: string) => Buffer.from(text).toString('base64');

function virtualMesh(name: string, namespace: string, root: object): VirtualMesh {
  return {
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind: 'VirtualMesh',
    metadata: { name, namespace, generation: 1 },
    spec: { meshes: [], mtlsConfig: { shared: { rootCertificateAuthority: root } } },
  };
}

/** A CSR whose signature does not match its content (one byte of the signature flipped). */
function tampered(csrPem: string): string {
  const der = Buffer.from(csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  der[der.length - 8] = (der[der.length - 8] ?? 0) ^ 0xff;
  return `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
}

describe('one bad trust object fails only itself (real API servers)', () => {
  it('signs the good CertificateRequest of a cluster and FAILs the malformed ones, field named', async (t) => {
    const mgmt = client('mgmt');
    const workload = client('cluster-1');
    const installNs = await freshNamespace(testCluster('mgmt'), t, 'trust-mgmt');
    const ns = await freshNamespace(testCluster('cluster-1'), t, 'trust-wl');
    const root = await generateRootCa({ rsaKeySizeBytes: 2048, ttlDays: 30 });
    await mgmt.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'root', namespace: installNs },
      data: { [SECRET_KEYS.rootCert]: base64(root.certificatePem), [SECRET_KEYS.rootKey]: base64(root.privateKeyPem) },
    });
    const csr = await generateIntermediateRequest({ hosts: ['spiffe://x'], orgName: 'o', keySizeBits: 2048 });
    const requests = { good: csr.csrPem, 'bad-signature': tampered(csr.csrPem), 'not-pem': 'hello' };
    for (const [name, pem] of Object.entries(requests)) {
      await workload.apply({
        apiVersion: GROUP,
        kind: 'IssuedCertificate',
        metadata: { name, namespace: ns, labels: { [OWNER_LABEL]: installNs, [OWNER_IDENTITY_LABEL]: IDENTITY } },
        spec: {
          hosts: [`spiffe://cluster.local/ns/${ns}/sa/istiod`],
          org: 'Istio',
          certOptions: { rsaKeySizeBytes: 2048, ttlDays: 1, orgName: 'Istio' },
          glooMeshCa: { signingCertificateSecret: { name: 'root', namespace: installNs } },
        },
      });
      await workload.create({
        apiVersion: GROUP,
        kind: 'CertificateRequest',
        metadata: { name, namespace: ns },
        spec: { certificateSigningRequest: pemToBytes(pem) },
      });
    }

    const roots = new RootCertificates(mgmt, installNs, () => undefined, log);
    t.after(() => {
      roots.stop();
    });
    roots.sync([virtualMesh('vm', installNs, { secret: { name: 'root', namespace: installNs } })]);
    const cache = new ClusterCache(
      workload,
      [
        { type: ISSUED_CERTIFICATE, namespace: ns },
        { type: CERTIFICATE_REQUEST, namespace: ns },
      ],
      () => undefined,
    );
    cache.start();
    t.after(() => {
      cache.stop();
    });
    await waitFor('the caches listed', () =>
      Promise.resolve(
        roots.settled() && roots.certificates().size === 1 && cache.objectsOf(CERTIFICATE_REQUEST).length === 3,
      ),
    );

    const result = await new Issuer(installNs, log).run('cluster-1', cache, roots, IDENTITY);
    assert.deepEqual(result.errors, []);
    assert.equal(result.signed, 1);
    const status = async (name: string) =>
      ((await workload.get(CERTIFICATE_REQUEST, name, ns)) as CertificateRequest | undefined)?.status;
    const good = await status('good');
    assert.equal(good?.state, 'FINISHED');
    // A real certificate, under the root it names.
    assert.ok(certificateValidity(bytesToPem(good.signedCertificate ?? '')).notAfter > Date.now());
    assert.equal(bytesToPem(good.signingRootCa ?? ''), root.certificatePem);
    for (const name of ['bad-signature', 'not-pem']) {
      const bad = await status(name);
      assert.equal(bad?.state, 'FAILED', name);
      assert.match(bad.error ?? '', /spec\.certificateSigningRequest/, name);
      assert.equal(bad.signedCertificate, undefined, name);
    }
  });

  it('reports an unparsable generated root for its VirtualMesh only; the other root is still generated', async (t) => {
    const mgmt = client('mgmt');
    const installNs = await freshNamespace(testCluster('mgmt'), t, 'trust-roots');
    // The broken one first: before, its parse error ended the pass before the other root was made.
    const broken = virtualMesh('a-broken', installNs, { generated: { rsaKeySizeBytes: 2048 } });
    const fine = virtualMesh('b-fine', installNs, { generated: { rsaKeySizeBytes: 2048 } });
    const brokenName = `a-broken.${installNs}`;
    const garbage = { [SECRET_KEYS.rootCert]: base64('secret garbage'), [SECRET_KEYS.rootKey]: base64('more garbage') };
    await mgmt.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: brokenName, namespace: installNs },
      type: SECRET_TYPES.generatedRoot,
      data: garbage,
    });

    const roots = new RootCertificates(mgmt, installNs, () => undefined, log);
    t.after(() => {
      roots.stop();
    });
    roots.sync([broken, fine]);
    await waitFor('the root Secrets listed', () => Promise.resolve(roots.settled()));
    assert.deepEqual(await roots.ensureGenerated(), []);

    const fineSecret = (await mgmt.get(SECRET, `b-fine.${installNs}`, installNs)) as
      (KubeObject & { data?: Record<string, string> }) | undefined;
    assert.ok(fineSecret?.data?.[SECRET_KEYS.rootCert] !== undefined, 'the fine VirtualMesh got its root');
    // The broken Secret is left for the operator, untouched.
    const brokenSecret = (await mgmt.get(SECRET, brokenName, installNs)) as KubeObject & {
      data?: Record<string, string>;
    };
    assert.deepEqual(brokenSecret.data, garbage);
    await waitFor('the generated root seen', () => Promise.resolve(roots.certificates().size === 2));
    const certificates = roots.certificates();
    assert.equal(typeof certificates.get(`${installNs}/b-fine.${installNs}`), 'string');
    const reason = certificates.get(`${installNs}/${brokenName}`);
    assert.deepEqual(reason, {
      unusable: `Secret ${installNs}/${brokenName}: ${SECRET_KEYS.rootCert} is not a PEM certificate`,
    });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { certificateValidity, generateIntermediateRequest, generateRootCa, signIntermediate } from './crypto.ts';
import { pemToBytes, signedRequestStatus, type CertificateRequest } from './phases.ts';
import { signedCertificateOf } from './signed-certificates.ts';

function request(status?: CertificateRequest['status']): CertificateRequest {
  return {
    apiVersion: 'certificates.mesh.gloo.solo.io/v1',
    kind: 'CertificateRequest',
    metadata: { name: 'istiod-istio-system-c1', namespace: 'gloo-mesh', generation: 1 },
    spec: {},
    ...(status === undefined ? {} : { status }),
  };
}

describe('signedCertificateOf', () => {
  it("reads the signed intermediate's and its root's validity from the request's status", async () => {
    const now = new Date('2026-12-01T00:00:00Z');
    const root = await generateRootCa({ rsaKeySizeBytes: 2048, ttlDays: 365, now });
    const previous = await generateRootCa({ rsaKeySizeBytes: 2048, ttlDays: 10, now });
    const csr = await generateIntermediateRequest({
      hosts: ['spiffe://cluster.local/ns/istio-system/sa/istiod'],
      orgName: '',
      keySizeBits: 2048,
    });
    const signed = await signIntermediate({ csrPem: csr.csrPem, root, hosts: [], ttlDays: 30, now });
    // The bundle holds the signing root first, then a previous one: the root is the first.
    const status = signedRequestStatus(request(), signed, `${root.certificatePem}${previous.certificatePem}`);
    const facts = signedCertificateOf(request(status));
    assert.deepEqual(facts, {
      namespace: 'gloo-mesh',
      name: 'istiod-istio-system-c1',
      certificate: certificateValidity(signed),
      root: certificateValidity(root.certificatePem),
    });
    assert.equal(facts.certificate.notAfter, now.getTime() + 30 * 24 * 3600_000);
  });

  it('has no certificate before the issuer answered, and says so when the status holds no PEM', () => {
    assert.deepEqual(signedCertificateOf(request()), { namespace: 'gloo-mesh', name: 'istiod-istio-system-c1' });
    assert.deepEqual(signedCertificateOf(request({ state: 'PENDING' })), {
      namespace: 'gloo-mesh',
      name: 'istiod-istio-system-c1',
    });
    assert.deepEqual(signedCertificateOf(request({ state: 'FINISHED', signedCertificate: pemToBytes('garbage') })), {
      namespace: 'gloo-mesh',
      name: 'istiod-istio-system-c1',
      problem: 'status.signedCertificate of its CertificateRequest is not a PEM certificate',
    });
  });
});

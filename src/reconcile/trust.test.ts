import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateIntermediateRequest, generateRootCa } from '../certs/crypto.ts';
import { pemToBytes, type IssuedCertificate } from '../certs/phases.ts';
import { bundleOf, signingRefusal } from './trust.ts';

const DAY = 24 * 3600_000;
const issued = {
  apiVersion: 'certificates.mesh.gloo.solo.io/v1',
  kind: 'IssuedCertificate',
  metadata: { name: 'm', namespace: 'gloo-mesh' },
  spec: { certOptions: { ttlDays: 30 } },
} as IssuedCertificate;

describe('issuer decisions on real keys', () => {
  it('refuses a weak CSR key and a root near its end with a message, signs otherwise', async () => {
    const now = Date.now();
    const root = await generateRootCa({ rsaKeySizeBytes: 2048, ttlDays: 365 });
    const ca = {
      certificatePem: root.certificatePem,
      privateKeyPem: root.privateKeyPem,
      previousCertificatePem: undefined,
    };
    const strong = await generateIntermediateRequest({ hosts: ['spiffe://x'], orgName: 'o', keySizeBits: 2048 });
    const weak = await generateIntermediateRequest({ hosts: ['spiffe://x'], orgName: 'o', keySizeBits: 1024 });
    const action = (csrPem: string) => ({ certificateSigningRequest: pemToBytes(csrPem), ttlDays: 30 });
    assert.equal(signingRefusal(ca, action(strong.csrPem), issued, now), undefined);
    assert.match(signingRefusal(ca, action(weak.csrPem), issued, now) ?? '', /1024 bits/);
    assert.match(signingRefusal(ca, action(strong.csrPem), issued, now + 340 * DAY) ?? '', /rotation window/);
    assert.match(
      signingRefusal(ca, { certificateSigningRequest: pemToBytes('garbage'), ttlDays: 30 }, issued, now) ?? '',
      /not a PEM certificate signing request/,
    );
  });

  it('hands out the previous root with the new one until the previous expires', async () => {
    const [current, previous] = await Promise.all([
      generateRootCa({ rsaKeySizeBytes: 2048, ttlDays: 10 }),
      generateRootCa({ rsaKeySizeBytes: 2048, ttlDays: 1 }),
    ]);
    const ca = { ...current, previousCertificatePem: previous.certificatePem };
    assert.equal(bundleOf(ca, Date.now()), current.certificatePem + previous.certificatePem);
    assert.equal(bundleOf(ca, Date.now() + 2 * DAY), current.certificatePem);
  });
});

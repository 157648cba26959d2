import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  certificateValidity,
  generateIntermediateRequest,
  generateRootCa,
  istioCaSecretData,
  signIntermediate,
  type KeyAndCertificate,
} from './crypto.ts';

// 2048-bit keys keep the test fast; the size is a parameter like any other.
const KEY_BITS = 2048;
const ISTIOD = 'spiffe://cluster.local/ns/istio-system/sa/istiod';

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('certificate crypto (checked with openssl)', () => {
  let dir = '';
  let root: KeyAndCertificate;
  let intermediateKey = '';
  let intermediate = '';
  const now = new Date('2026-11-24T12:00:00Z');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meshhub-certs-'));
    root = await generateRootCa({ ttlDays: 30, rsaKeySizeBytes: KEY_BITS, orgName: 'acme', now });
    const request = await generateIntermediateRequest({ hosts: [ISTIOD], orgName: 'Istio', keySizeBits: KEY_BITS });
    intermediateKey = request.privateKeyPem;
    intermediate = await signIntermediate({ csrPem: request.csrPem, root, hosts: [ISTIOD], ttlDays: 10, now });
    writeFileSync(join(dir, 'root.pem'), root.certificatePem);
    writeFileSync(join(dir, 'intermediate.pem'), intermediate);
    writeFileSync(join(dir, 'intermediate-key.pem'), intermediateKey);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes a self-signed root CA with the organisation, TTL and key size asked for', () => {
    const text = openssl('x509', '-in', join(dir, 'root.pem'), '-noout', '-text');
    assert.match(text, /Subject: O\s*=\s*acme/);
    assert.match(text, /CA:TRUE/);
    assert.match(text, /Public-Key: \(2048 bit\)/);
    const validity = certificateValidity(root.certificatePem);
    assert.equal(validity.notAfter, now.getTime() + 30 * 24 * 3600_000);
    assert.ok(validity.notBefore < now.getTime());
  });

  it('signs an intermediate that openssl verifies against the root', () => {
    const out = openssl('verify', '-CAfile', join(dir, 'root.pem'), join(dir, 'intermediate.pem'));
    assert.match(out, /intermediate\.pem: OK/);
  });

  it('makes the intermediate a CA with path length 0 and istiod SPIFFE identity as SAN', () => {
    const text = openssl(
      'x509',
      '-in',
      join(dir, 'intermediate.pem'),
      '-noout',
      '-ext',
      'basicConstraints,subjectAltName,keyUsage',
    );
    assert.match(text, /critical/);
    assert.match(text, /CA:TRUE, pathlen:0/);
    assert.match(text, /URI:spiffe:\/\/cluster\.local\/ns\/istio-system\/sa\/istiod/);
    assert.match(text, /Certificate Sign/);
    assert.equal(certificateValidity(intermediate).notAfter, now.getTime() + 10 * 24 * 3600_000);
  });

  it('keeps the intermediate key matching its certificate (the key never left the requester)', () => {
    const fromCert = openssl('x509', '-in', join(dir, 'intermediate.pem'), '-noout', '-pubkey');
    const fromKey = openssl('pkey', '-in', join(dir, 'intermediate-key.pem'), '-pubout');
    assert.equal(fromCert, fromKey);
  });

  it("builds Istio's cacerts Secret data whose chain verifies", () => {
    const data = istioCaSecretData({
      caCertificatePem: intermediate,
      caPrivateKeyPem: intermediateKey,
      rootCertificatePem: root.certificatePem,
    });
    assert.deepEqual(Object.keys(data).sort(), ['ca-cert.pem', 'ca-key.pem', 'cert-chain.pem', 'root-cert.pem']);
    for (const [name, content] of Object.entries(data)) writeFileSync(join(dir, name), content);
    assert.equal(
      data['cert-chain.pem'],
      `${intermediate.endsWith('\n') ? intermediate : `${intermediate}\n`}${data['root-cert.pem'] ?? ''}`,
    );
    assert.match(
      openssl(
        'verify',
        '-CAfile',
        join(dir, 'root-cert.pem'),
        '-untrusted',
        join(dir, 'cert-chain.pem'),
        join(dir, 'ca-cert.pem'),
      ),
      /OK/,
    );
  });

  it('caps the intermediate at the root expiry and refuses a CSR signed by another key', async () => {
    const request = await generateIntermediateRequest({ hosts: [ISTIOD], orgName: 'Istio', keySizeBits: KEY_BITS });
    const long = await signIntermediate({ csrPem: request.csrPem, root, hosts: [ISTIOD], ttlDays: 365, now });
    assert.equal(certificateValidity(long).notAfter, certificateValidity(root.certificatePem).notAfter);
    // Flip a bit of the CSR's signature (its last byte): it no longer matches its key.
    const der = Buffer.from(request.csrPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0x01;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await assert.rejects(
      signIntermediate({ csrPem: tampered, root, hosts: [ISTIOD], now }),
      /not signed by its own key/,
    );
  });
});

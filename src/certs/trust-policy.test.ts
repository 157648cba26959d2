import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Resource } from '../api/kind.ts';
import type { virtualMeshKind } from '../api/networking/v1/virtual-mesh.ts';
import { csrPublicKey, generateIntermediateRequest, generateRootCa, istioCaSecretData } from './crypto.ts';
import { rotationDue } from './phases.ts';
import {
  allowedRootNamespaces,
  firstCertificate,
  rootSigningProblem,
  sharedTrustErrors,
  trustBundle,
  weakKeyProblem,
} from './trust-policy.ts';

type VirtualMesh = Resource<typeof virtualMeshKind>;
const DAY = 24 * 3600_000;

function virtualMesh(shared: NonNullable<NonNullable<VirtualMesh['spec']['mtlsConfig']>['shared']>): VirtualMesh {
  return {
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind: 'VirtualMesh',
    metadata: { name: 'vm', namespace: 'team-a' },
    spec: { meshes: [{ name: 'm' }], mtlsConfig: { shared } },
  };
}

describe('shared trust policy', () => {
  it('allows roots in the install namespace and the namespaces the Settings list', () => {
    assert.deepEqual(allowedRootNamespaces('gloo-mesh', undefined), ['gloo-mesh']);
    const settings = {
      apiVersion: 'settings.mesh.gloo.solo.io/v1',
      kind: 'Settings',
      metadata: { name: 'settings', namespace: 'gloo-mesh' },
      spec: { rootCertificateAuthorityNamespaces: ['pki', 'gloo-mesh', ''] },
    };
    assert.deepEqual(allowedRootNamespaces('gloo-mesh', settings), ['gloo-mesh', 'pki']);
  });

  it('refuses a root Secret elsewhere, naming the field and the allowed namespaces', () => {
    const allowed = ['gloo-mesh', 'pki'];
    assert.deepEqual(
      sharedTrustErrors(
        virtualMesh({ rootCertificateAuthority: { secret: { name: 'r', namespace: 'pki' } } }),
        'gloo-mesh',
        allowed,
      ),
      [],
    );
    // Without a namespace, the VirtualMesh's own (team-a) is meant: not allowed.
    const [error] = sharedTrustErrors(
      virtualMesh({ rootCertificateAuthority: { secret: { name: 'r' } } }),
      'gloo-mesh',
      allowed,
    );
    assert.match(error ?? '', /^spec\.mtlsConfig\.shared\.rootCertificateAuthority\.secret\.namespace: /);
    assert.match(error ?? '', /read only in gloo-mesh, pki, not in team-a/);
  });

  it('bounds key sizes to 2048–4096 bits and the rotation ratio to 0.5, 0 meaning unset', () => {
    const errors = (options: Record<string, number>) =>
      sharedTrustErrors(
        virtualMesh({ rootCertificateAuthority: { generated: options }, intermediateCertOptions: options }),
        'gloo-mesh',
        ['gloo-mesh'],
      );
    assert.deepEqual(errors({ rsaKeySizeBytes: 2048, secretRotationGracePeriodRatio: 0.5 }), []);
    assert.deepEqual(errors({ rsaKeySizeBytes: 0, secretRotationGracePeriodRatio: 0 }), []);
    assert.deepEqual(errors({ rsaKeySizeBytes: 4096 }), []);
    const tooSmall = errors({ rsaKeySizeBytes: 1024 });
    assert.equal(tooSmall.length, 2);
    assert.match(
      tooSmall[0] ?? '',
      /^spec\.mtlsConfig\.shared\.rootCertificateAuthority\.generated\.rsaKeySizeBytes: 1024/,
    );
    assert.match(tooSmall[1] ?? '', /^spec\.mtlsConfig\.shared\.intermediateCertOptions\.rsaKeySizeBytes: 1024/);
    assert.equal(errors({ rsaKeySizeBytes: 8192 }).length, 2);
    assert.match(errors({ secretRotationGracePeriodRatio: 0.9 })[1] ?? '', /secretRotationGracePeriodRatio: 0\.9/);
    // The agent's rotation check caps the ratio too (an IssuedCertificate written by anyone).
    assert.equal(rotationDue(0, 100, 0.9, 40), false);
    assert.equal(rotationDue(0, 100, 0.9, 50), true);
  });

  it('signs only RSA keys of 2048 bits or more, or EC P-256/P-384', async () => {
    const weak = await generateIntermediateRequest({ hosts: ['spiffe://x'], orgName: 'o', keySizeBits: 1024 });
    const weakKey = csrPublicKey(weak.csrPem);
    assert.deepEqual(weakKey, { algorithm: 'RSA', bits: 1024 });
    assert.match(weakKeyProblem(weakKey) ?? '', /1024 bits; at least 2048/);
    const strong = await generateIntermediateRequest({ hosts: ['spiffe://x'], orgName: 'o', keySizeBits: 2048 });
    assert.equal(weakKeyProblem(csrPublicKey(strong.csrPem)), undefined);
    const dir = mkdtempSync(join(tmpdir(), 'meshhub-csr-'));
    try {
      const ecCsr = (curve: string) => {
        const file = join(dir, `${curve}.csr`);
        execFileSync('openssl', [
          'req',
          '-new',
          '-newkey',
          'ec',
          '-pkeyopt',
          `ec_paramgen_curve:${curve}`,
          '-nodes',
          '-keyout',
          join(dir, `${curve}.key`),
          '-subj',
          '/O=test',
          '-out',
          file,
        ]);
        return readFileSync(file, 'utf8');
      };
      assert.deepEqual(csrPublicKey(ecCsr('P-256')), { algorithm: 'EC', curve: 'P-256' });
      assert.equal(weakKeyProblem(csrPublicKey(ecCsr('P-384'))), undefined);
      assert.match(weakKeyProblem(csrPublicKey(ecCsr('P-521'))) ?? '', /curve P-521/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to sign under a root that expired, is in its rotation window, or ends too soon', () => {
    const root = { notBefore: 0, notAfter: 365 * DAY, intermediateTtlDays: 365 };
    assert.equal(rootSigningProblem({ ...root, now: 0 }), undefined);
    assert.equal(rootSigningProblem({ ...root, now: 300 * DAY }), undefined);
    assert.match(rootSigningProblem({ ...root, now: 330 * DAY }) ?? '', /inside its rotation window/);
    assert.match(rootSigningProblem({ ...root, now: 366 * DAY }) ?? '', /expired/);
    // A short-lived user root with a long intermediate: cut to a few days, it would be due at once.
    assert.match(
      rootSigningProblem({ notBefore: 0, notAfter: 300 * DAY, intermediateTtlDays: 3650, now: 10 * DAY }) ?? '',
      /too soon for an intermediate of 3650 days/,
    );
  });

  it('bundles the previous root while it is valid, signing root first; the chain holds the signing root only', async () => {
    const [current, previous] = await Promise.all([
      generateRootCa({ rsaKeySizeBytes: 2048, ttlDays: 2, orgName: 'new' }),
      generateRootCa({ rsaKeySizeBytes: 2048, ttlDays: 2, orgName: 'old' }),
    ]);
    const now = Date.now();
    const bundle = trustBundle(current.certificatePem, { pem: previous.certificatePem, notAfter: now + DAY }, now);
    assert.equal(bundle, current.certificatePem + previous.certificatePem);
    assert.equal(firstCertificate(bundle), current.certificatePem);
    assert.equal(
      trustBundle(current.certificatePem, { pem: previous.certificatePem, notAfter: now - 1 }, now),
      current.certificatePem,
    );
    assert.equal(trustBundle(current.certificatePem, undefined, now), current.certificatePem);
    const data = istioCaSecretData({
      caCertificatePem: 'INTERMEDIATE\n',
      caPrivateKeyPem: 'KEY\n',
      rootCertificatePem: bundle,
    });
    assert.equal(data['root-cert.pem'], bundle);
    assert.equal(data['cert-chain.pem'], `INTERMEDIATE\n${current.certificatePem}`);
  });
});

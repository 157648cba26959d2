import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateIntermediateRequest, generateRootCa } from '../certs/crypto.ts';
import { pemToBytes, type IssuedCertificate } from '../certs/phases.ts';
import { pino } from 'pino';
import { OWNER_IDENTITY_LABEL, OWNER_LABEL } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import type { ClusterCache } from '../kube/cache.ts';
import type { RootCertificateEntry } from '../certs/issued-certificates.ts';
import { translateNetworking } from '../networking/networking.ts';
import { istioMesh, networkingInput, NS, virtualMesh } from '../networking/test-fixtures.ts';
import {
  bundleOf,
  checkedRootOf,
  Issuer,
  requestShapeProblem,
  signingRefusal,
  type RootCertificates,
} from './trust.ts';

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

const secret = (data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'root', namespace: 'gloo-mesh' },
  data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
});

describe('one bad root Secret fails only what names it', () => {
  it('says which key of which Secret is unusable, never its content', async () => {
    const [root, other] = await Promise.all([
      generateRootCa({ rsaKeySizeBytes: 2048, ttlDays: 10 }),
      generateRootCa({ rsaKeySizeBytes: 2048, ttlDays: 10 }),
    ]);
    const good = checkedRootOf(secret({ 'root-cert.pem': root.certificatePem, 'key.pem': root.privateKeyPem }));
    assert.equal(good !== undefined && 'certificatePem' in good ? good.certificatePem : '', root.certificatePem);
    const cases: [Record<string, string>, RegExp][] = [
      [
        { 'root-cert.pem': 'top-secret garbage', 'key.pem': root.privateKeyPem },
        /Secret gloo-mesh\/root: root-cert\.pem/,
      ],
      [{ 'root-cert.pem': root.certificatePem, 'key.pem': 'top-secret garbage' }, /Secret gloo-mesh\/root: key\.pem/],
      [{ 'root-cert.pem': root.certificatePem, 'key.pem': other.privateKeyPem }, /key\.pem is not the PEM private key/],
    ];
    for (const [data, expected] of cases) {
      const checked = checkedRootOf(secret(data));
      const reason = checked !== undefined && 'unusable' in checked ? checked.unusable : '';
      assert.match(reason, expected);
      assert.doesNotMatch(reason, /garbage|BEGIN/);
    }
    // Without key.pem it is a (verify-only) root, as before.
    assert.ok(checkedRootOf(secret({ 'root-cert.pem': root.certificatePem })) !== undefined);
    assert.equal(checkedRootOf(secret({})), undefined);
  });

  it('fails the VirtualMesh naming an unusable root; the one beside it is still issued', () => {
    const c1 = istioMesh('c1');
    const c2 = istioMesh('c2');
    const shared = (name: string) => ({
      mtlsConfig: { shared: { rootCertificateAuthority: { secret: { name, namespace: NS } } } },
    });
    const result = translateNetworking(
      networkingInput({
        meshes: [c1, c2],
        virtualMeshes: [virtualMesh('bad', [c1], shared('bad-root')), virtualMesh('good', [c2], shared('good-root'))],
        rootCertificates: new Map<string, RootCertificateEntry>([
          [`${NS}/bad-root`, { unusable: `Secret ${NS}/bad-root: root-cert.pem is not a PEM certificate` }],
          [`${NS}/good-root`, 'a root certificate'],
        ]),
      }),
    );
    const bad = result.virtualMeshes.find((vm) => vm.metadata.name === 'bad')?.status;
    const good = result.virtualMeshes.find((vm) => vm.metadata.name === 'good')?.status;
    const badMesh = bad?.meshes?.['istiod-istio-system-c1.gloo-mesh.'];
    // FAILED (not ACCEPTED): what it already issued is kept (retention.ts) until the Secret is fixed.
    assert.equal(bad?.state, 'FAILED');
    assert.equal(badMesh?.state, 'FAILED');
    assert.match(badMesh.errors?.[0] ?? '', /rootCertificateAuthority: Secret gloo-mesh\/bad-root: root-cert\.pem/);
    assert.equal(good?.meshes?.['istiod-istio-system-c2.gloo-mesh.']?.state, 'ACCEPTED');
    const issuedOn = (cluster: string) =>
      (result.outputs.get(cluster) ?? []).filter((object) => object.kind === 'IssuedCertificate').length;
    assert.equal(issuedOn('c1'), 0);
    assert.equal(issuedOn('c2'), 1);
  });
});

describe('one malformed CertificateRequest fails only itself', () => {
  it('names the field of spec or status that is not of its type', () => {
    const request = (spec: unknown, status?: unknown) =>
      ({ apiVersion: 'v1', kind: 'CertificateRequest', metadata: { name: 'r' }, spec, status }) as KubeObject;
    assert.equal(requestShapeProblem(request({ certificateSigningRequest: 'QUJD' })), undefined);
    assert.equal(requestShapeProblem(request(undefined)), 'spec: not an object');
    assert.match(
      requestShapeProblem(request({ certificateSigningRequest: 5 })) ?? '',
      /^spec\.certificateSigningRequest:/,
    );
    assert.match(
      requestShapeProblem(request({ certificateSigningRequest: 'not base64!' })) ?? '',
      /^spec\.certificateSigningRequest: must be base64/,
    );
    assert.match(requestShapeProblem(request({}, { signingRootCa: 7 })) ?? '', /^status\.signingRootCa:/);
    assert.equal(requestShapeProblem(request({}, 'x')), 'status: not an object');
    // A field this version does not know (a newer agent's) is no reason to refuse the request.
    assert.equal(requestShapeProblem(request({ certificateSigningRequest: 'QUJD', keyAlgorithm: 'x' })), undefined);
  });

  it('signs the good request of a cluster and FAILs each bad one with the field named', async () => {
    const root = await generateRootCa({ rsaKeySizeBytes: 2048, ttlDays: 365 });
    const good = await generateIntermediateRequest({ hosts: ['spiffe://x'], orgName: 'o', keySizeBits: 2048 });
    // A CSR whose signature does not match its content: one byte of the signature flipped.
    const der = Buffer.from(good.csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 8] = (der[der.length - 8] ?? 0) ^ 0xff;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    const requests = new Map<string, unknown>([
      ['good', pemToBytes(good.csrPem)],
      ['not-pem', pemToBytes('hello')],
      ['bad-signature', pemToBytes(tampered)],
      ['wrong-type', 42],
      ['no-spec', undefined],
    ]);
    const objects = (kind: string) =>
      [...requests].map(([name, csr]) =>
        kind === 'IssuedCertificate'
          ? {
              ...issued,
              metadata: {
                name,
                namespace: 'gloo-mesh',
                labels: { [OWNER_LABEL]: 'gloo-mesh', [OWNER_IDENTITY_LABEL]: 'id' },
              },
              spec: {
                ...issued.spec,
                glooMeshCa: { signingCertificateSecret: { name: 'root', namespace: 'gloo-mesh' } },
              },
            }
          : {
              apiVersion: 'certificates.mesh.gloo.solo.io/v1',
              kind: 'CertificateRequest',
              metadata: { name, namespace: 'gloo-mesh', generation: 1 },
              ...(csr === undefined ? {} : { spec: { certificateSigningRequest: csr } }),
            },
      );
    const written = new Map<string, { state?: string; error?: string }>();
    // The issuer's view of one cluster (the real cache and client are the integration test's).
    const cache = {
      objectsOf: (resource: { kind: string }) => objects(resource.kind),
      client: {
        apply: (object: KubeObject & { status: { state?: string; error?: string } }) => {
          written.set(object.metadata.name, object.status);
          return Promise.resolve(object);
        },
      },
    } as unknown as ClusterCache;
    const roots = {
      root: () => ({ ...root, previousCertificatePem: undefined }),
    } as unknown as RootCertificates;
    const result = await new Issuer('gloo-mesh', pino({ level: 'silent' })).run('c1', cache, roots, 'id');
    assert.deepEqual(result.errors, []);
    assert.equal(result.signed, 1);
    assert.equal(written.get('good')?.state, 'FINISHED');
    for (const name of ['not-pem', 'bad-signature', 'wrong-type']) {
      assert.equal(written.get(name)?.state, 'FAILED', name);
      assert.match(written.get(name)?.error ?? '', /spec\.certificateSigningRequest/, name);
    }
    assert.equal(written.get('no-spec')?.error, 'spec: not an object');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INPUTS_HASH_ANNOTATION } from './cert-defaults.ts';
import { issuerStep, pemToBytes, type CertificateRequest, type IssuedCertificate } from './phases.ts';
import { memberTrust, rollDecision, type MemberTrust, type RollRoots } from './root-roll.ts';

const R1 = '-----BEGIN CERTIFICATE-----\nUjE=\n-----END CERTIFICATE-----\n';
const R2 = '-----BEGIN CERTIFICATE-----\nUjI=\n-----END CERTIFICATE-----\n';
const NOW = Date.parse('2026-12-01T00:00:00Z');
const DAY = 24 * 3600_000;

const rolling: RollRoots = { currentPem: R2, previous: { pem: R1, notAfter: NOW + 30 * DAY, canSign: true } };
const trusts = (cluster: string): MemberTrust => ({ cluster, state: 'trusts-new' });

function issued(hash: string, state?: 'REQUESTED' | 'ISSUED' | 'FINISHED'): IssuedCertificate {
  return {
    apiVersion: 'certificates.mesh.gloo.solo.io/v1',
    kind: 'IssuedCertificate',
    metadata: {
      name: 'istio',
      namespace: 'istio-system',
      generation: 1,
      annotations: { [INPUTS_HASH_ANNOTATION]: hash },
    },
    spec: { hosts: ['spiffe://x'], issuedCertificateSecret: { name: 'cacerts', namespace: 'istio-system' } },
    ...(state === undefined ? {} : { status: { observedGeneration: 1, state } }),
  };
}

function request(hash: string, bundle: string | undefined): CertificateRequest {
  return {
    apiVersion: 'certificates.mesh.gloo.solo.io/v1',
    kind: 'CertificateRequest',
    metadata: {
      name: 'istio',
      namespace: 'istio-system',
      generation: 2,
      annotations: { [INPUTS_HASH_ANNOTATION]: hash },
    },
    spec: { certificateSigningRequest: pemToBytes('csr') },
    ...(bundle === undefined
      ? {}
      : {
          status: {
            observedGeneration: 2,
            state: 'FINISHED',
            signedCertificate: pemToBytes('signed'),
            signingRootCa: pemToBytes(bundle),
          },
        }),
  };
}

describe('root roll: the decision', () => {
  it('with no previous root (first issuance, an unrelated replacement) the root in force signs, alone', () => {
    const decision = rollDecision({ currentPem: R2, previous: undefined }, [{ cluster: 'c1', state: 'unknown' }], NOW);
    assert.equal(decision.signWith, 'current');
    assert.equal(decision.bundle, R2);
    assert.equal(decision.waiting, undefined);
  });

  it('distributes: the old root signs with the bundle [R1, R2] while any member lacks R2', () => {
    const decision = rollDecision(
      rolling,
      [
        trusts('c1'),
        { cluster: 'c2', state: 'pending', reason: 'IssuedCertificate istio-system/istio is not signed yet' },
      ],
      NOW,
    );
    assert.equal(decision.signWith, 'previous');
    assert.equal(decision.bundle, R1 + R2);
    assert.equal(decision.requiredRootPem, R2);
    assert.equal(decision.waiting, 'root rotation: waiting for cluster c2 to trust the new root');
    assert.match(
      decision.details ?? '',
      /^root rotation: waiting for cluster c2 \(.*not signed yet\) to trust the new root$/,
    );
  });

  it('an unreachable member holds the switch back, and is named', () => {
    const decision = rollDecision(rolling, [trusts('c1'), { cluster: 'c3', state: 'unknown' }], NOW);
    assert.equal(decision.signWith, 'previous');
    assert.match(decision.details ?? '', /cluster c3 \(unreachable or not listed yet\)/);
  });

  it('switches once every member trusts R2: R2 signs, bundle [R2, R1] while R1 is valid', () => {
    const decision = rollDecision(rolling, [trusts('c1'), trusts('c2')], NOW);
    assert.equal(decision.signWith, 'current');
    assert.equal(decision.bundle, R2 + R1);
    assert.equal(decision.requiredRootPem, undefined);
    assert.equal(rollDecision(rolling, [trusts('c1')], NOW + 31 * DAY).bundle, R2, 'R1 expired: dropped');
  });

  it('switches at once when the old root cannot sign (no key, or refused near its end)', () => {
    const pending: MemberTrust[] = [{ cluster: 'c2', state: 'unknown' }];
    const noKey = rollDecision(
      { currentPem: R2, previous: { pem: R1, notAfter: NOW + DAY, canSign: false } },
      pending,
      NOW,
    );
    assert.equal(noKey.signWith, 'current');
    const refused = rollDecision(
      { currentPem: R2, previous: { pem: R1, notAfter: NOW + DAY, canSign: true, refusal: 'near its end' } },
      pending,
      NOW,
    );
    assert.equal(refused.signWith, 'current');
    assert.equal(refused.bundle, R2 + R1);
    const expired = rollDecision(
      { currentPem: R2, previous: { pem: R1, notAfter: NOW - 1, canSign: true } },
      pending,
      NOW,
    );
    assert.deepEqual([expired.signWith, expired.bundle], ['current', R2]);
  });
});

describe('root roll: what a member shows', () => {
  it('trusts R2 only once the agent installed a bundle holding R2 for its current inputs', () => {
    const cases: [string, IssuedCertificate, CertificateRequest | undefined, string][] = [
      ['no request', issued('h2', 'FINISHED'), undefined, 'has no CertificateRequest'],
      ['old inputs', issued('h2', 'FINISHED'), request('h1', R1 + R2), 'requested again'],
      ['not signed', issued('h2', 'REQUESTED'), request('h2', undefined), 'not signed yet'],
      ['old bundle', issued('h2', 'FINISHED'), request('h2', R1), 'without the new root'],
      ['not installed', issued('h2', 'ISSUED'), request('h2', R1 + R2), 'not installed yet'],
    ];
    for (const [label, certificate, certificateRequest, reason] of cases) {
      const member = memberTrust('c1', [{ issuedCertificate: certificate, certificateRequest }], R2);
      assert.equal(member.state, 'pending', label);
      assert.match(member.reason, new RegExp(reason), label);
    }
    const done = memberTrust(
      'c1',
      [{ issuedCertificate: issued('h2', 'FINISHED'), certificateRequest: request('h2', R1 + R2) }],
      R2,
    );
    assert.equal(done.state, 'trusts-new');
    // Switched (answered with R2 first): a later re-issue not signed yet does not turn the roll back.
    const reissued = { ...request('h3', R2 + R1), metadata: { ...request('h3', R2 + R1).metadata, generation: 3 } };
    const switched = memberTrust(
      'c1',
      [{ issuedCertificate: issued('h3', 'REQUESTED'), certificateRequest: reissued }],
      R2,
    );
    assert.equal(switched.state, 'switched');
    const decision = rollDecision(rolling, [switched, { cluster: 'c2', state: 'unknown' }], NOW);
    assert.equal(decision.signWith, 'current');
  });

  it('the issuer signs again a request whose bundle lacks the root being distributed', () => {
    const certificate = {
      ...issued('h2', 'FINISHED'),
      spec: {
        ...issued('h2').spec,
        glooMeshCa: { signingCertificateSecret: { name: 'root', namespace: 'gloo-mesh' } },
      },
    } as IssuedCertificate;
    const signedR1 = request('h2', R1);
    assert.equal(
      issuerStep({ certificateRequest: signedR1, issuedCertificate: certificate, rootCertificate: R1 }).action.kind,
      'wait',
    );
    const step = issuerStep({
      certificateRequest: signedR1,
      issuedCertificate: certificate,
      rootCertificate: R1,
      requiredRoot: R2,
    });
    assert.equal(step.action.kind, 'sign');
    const distributed = request('h2', R1 + R2);
    assert.equal(
      issuerStep({
        certificateRequest: distributed,
        issuedCertificate: certificate,
        rootCertificate: R1,
        requiredRoot: R2,
      }).action.kind,
      'wait',
    );
    // The switch: signed under R1, R2 is now the root in force: signed again.
    assert.equal(
      issuerStep({ certificateRequest: distributed, issuedCertificate: certificate, rootCertificate: R2 }).action.kind,
      'sign',
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { kubeconfigToken, needsRenewal, tokenTimes } from './token-renewal.ts';

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part(claims)}.signature`;
}

describe('registration token renewal', () => {
  it('reads iat and exp from a ServiceAccount token', () => {
    assert.deepEqual(tokenTimes(jwt({ iat: 1000, exp: 4000, sub: 'system:serviceaccount:gloo-mesh:mesh-hub' })), {
      issuedAt: 1000,
      expiresAt: 4000,
    });
  });

  it('does not take a static token or a malformed one for a ServiceAccount token', () => {
    assert.equal(tokenTimes('0123456789abcdef'), undefined);
    assert.equal(tokenTimes(jwt({ iat: 1000 })), undefined);
    assert.equal(tokenTimes(jwt({ iat: 4000, exp: 1000 })), undefined);
    assert.equal(tokenTimes('a.!!!.c'), undefined);
  });

  it('renews once two thirds of the lifetime have passed, by default', () => {
    const times = { issuedAt: 0, expiresAt: 3000 };
    assert.equal(needsRenewal(times, 1999), false);
    assert.equal(needsRenewal(times, 2000), true);
    assert.equal(needsRenewal(times, 5000), true, 'an expired token is renewed too (the request may still be refused)');
    assert.equal(needsRenewal(times, 10, 0.001), true);
    assert.equal(needsRenewal(times, 1, 0.001), false);
  });

  it('finds the token of a registration kubeconfig', () => {
    const text = stringify({ users: [{ name: 'c-mesh-hub', user: { token: 'abc.def.ghi' } }] });
    assert.equal(kubeconfigToken(text), 'abc.def.ghi');
    assert.equal(kubeconfigToken(stringify({ users: [] })), undefined);
  });
});

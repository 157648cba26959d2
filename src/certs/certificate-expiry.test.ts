import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { certificateExpiry, daysUntil, type ExpiryInput } from './certificate-expiry.ts';
import { DEFAULT_ROTATION_GRACE_RATIO } from './cert-defaults.ts';
import { rotationDue } from './phases.ts';

const DAY = 24 * 3600_000;
const NOT_BEFORE = Date.parse('2026-01-01T00:00:00Z');
// 100 days: the default window (10 %) opens 10 days before the end.
const NOT_AFTER = NOT_BEFORE + 100 * DAY;

function at(now: number, overrides: Partial<ExpiryInput> = {}) {
  return certificateExpiry({
    validity: { notBefore: NOT_BEFORE, notAfter: NOT_AFTER },
    unreadable: undefined,
    issuedState: 'FINISHED',
    rotationGraceRatio: undefined,
    now,
    ...overrides,
  });
}

describe('certificateExpiry', () => {
  it('is issued, with the days left, until the rotation window opens', () => {
    assert.deepEqual(at(NOT_BEFORE + DAY), {
      state: 'issued',
      notBefore: '2026-01-01T00:00:00.000Z',
      notAfter: '2026-04-11T00:00:00.000Z',
      daysLeft: 99,
      summary: 'issued, expires on 2026-04-11 (in 99 days)',
    });
    assert.equal(at(NOT_AFTER - 10 * DAY - 1).state, 'issued');
  });

  it('is expiring exactly when the cert agent rotates (phases.ts rotationDue), up to the last millisecond', () => {
    const opens = NOT_AFTER - 10 * DAY;
    assert.equal(rotationDue(NOT_BEFORE, NOT_AFTER, DEFAULT_ROTATION_GRACE_RATIO, opens), true);
    assert.equal(at(opens).state, 'expiring');
    assert.equal(at(opens).daysLeft, 10);
    assert.equal(at(NOT_AFTER - 1).state, 'expiring');
    assert.equal(at(NOT_AFTER - 1).summary, 'expiring: expires on 2026-04-11 (in under a day), due for rotation');
    // The IssuedCertificate's own ratio moves the window as it moves the agent's.
    assert.equal(at(NOT_AFTER - 30 * DAY, { rotationGraceRatio: 0.3 }).state, 'expiring');
    assert.equal(at(NOT_AFTER - 30 * DAY - 1, { rotationGraceRatio: 0.3 }).state, 'issued');
    // Agrees with rotationDue over the whole lifetime, for several ratios.
    for (const ratio of [undefined, 0, 0.05, 0.2, 0.5, 0.9]) {
      for (let now = NOT_BEFORE; now < NOT_AFTER; now += DAY / 3) {
        const due = rotationDue(NOT_BEFORE, NOT_AFTER, ratio, now);
        assert.equal(
          at(now, { rotationGraceRatio: ratio }).state,
          due ? 'expiring' : 'issued',
          `${String(ratio)} ${now}`,
        );
      }
    }
  });

  it('is expired from notAfter on, with negative days', () => {
    assert.equal(at(NOT_AFTER).state, 'expired');
    assert.equal(at(NOT_AFTER).summary, 'expired on 2026-04-11 (under a day ago)');
    assert.deepEqual(
      { state: at(NOT_AFTER + 3 * DAY).state, daysLeft: at(NOT_AFTER + 3 * DAY).daysLeft },
      { state: 'expired', daysLeft: -3 },
    );
    assert.equal(at(NOT_AFTER + DAY).summary, 'expired on 2026-04-11 (1 day ago)');
  });

  it('without a signed certificate: not issued yet while the agent is still asking', () => {
    for (const issuedState of ['PENDING', 'REQUESTED', 'FAILED']) {
      assert.deepEqual(at(NOT_BEFORE, { validity: undefined, issuedState }), {
        state: 'not-issued',
        summary: 'not issued yet',
      });
    }
  });

  it('unknown (never expired) when the certificate could not be read or is missing though issued', () => {
    assert.deepEqual(at(NOT_AFTER + DAY, { validity: undefined, unreadable: 'cluster-2: connection refused' }), {
      state: 'unknown',
      summary: 'unknown: cluster-2: connection refused',
    });
    for (const issuedState of ['ISSUED', 'FINISHED']) {
      assert.equal(at(NOT_BEFORE, { validity: undefined, issuedState }).state, 'unknown');
    }
  });
});

describe('daysUntil', () => {
  it('counts whole days towards now', () => {
    assert.equal(daysUntil(DAY - 1, 0), 0);
    assert.equal(daysUntil(DAY, 0), 1);
    assert.equal(daysUntil(0, DAY - 1), 0);
    assert.equal(daysUntil(0, DAY), -1);
  });
});

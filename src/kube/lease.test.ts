import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { leaseExpired, observeLease, renewDeadlineMs, withinRenewDeadline } from './lease.ts';

describe('lease timing (a clock the test controls)', () => {
  it('a standby counts expiry from when it first saw the renewal, not from the holder renewTime', () => {
    // The holder's renewTime is not even an input: only resourceVersion changes and our own clock.
    let observed = observeLease(undefined, 'holder', '10', 1000);
    assert.equal(leaseExpired(observed, 15_000, 1000), false);
    assert.equal(leaseExpired(observed, 15_000, 15_999), false);
    observed = observeLease(observed, 'holder', '10', 15_999);
    assert.equal(observed.seenAtMs, 1000, 'an unchanged Lease keeps its first-seen time');
    assert.equal(leaseExpired(observed, 15_000, 16_000), true);
  });

  it('a renewal (new resourceVersion) restarts the standby count', () => {
    let observed = observeLease(undefined, 'holder', '10', 0);
    observed = observeLease(observed, 'holder', '11', 14_000);
    assert.equal(leaseExpired(observed, 15_000, 20_000), false);
    assert.equal(leaseExpired(observed, 15_000, 29_000), true);
  });

  it('a new holder restarts the count; a released Lease is free at once', () => {
    let observed = observeLease(undefined, 'a', '10', 0);
    observed = observeLease(observed, 'b', '10', 10_000);
    assert.equal(observed.seenAtMs, 10_000);
    assert.equal(leaseExpired(observeLease(observed, '', '12', 10_001), 15_000, 10_001), true);
  });

  it('a standby that just started waits a whole lease duration whatever the Lease says', () => {
    const observed = observeLease(undefined, 'holder', '99', 500_000);
    assert.equal(leaseExpired(observed, 15_000, 500_000 + 14_999), false);
  });

  it('the holder leads only within the renew deadline of its last renewal start', () => {
    assert.equal(withinRenewDeadline(undefined, 10_000, 0), false);
    assert.equal(withinRenewDeadline(1000, 10_000, 10_999), true);
    assert.equal(withinRenewDeadline(1000, 10_000, 11_000), false);
  });

  it('the renew deadline is below the lease duration', () => {
    assert.equal(renewDeadlineMs(15), 10_000);
    assert.equal(renewDeadlineMs(15, 12), 12_000);
    assert.throws(() => renewDeadlineMs(15, 15), /below the lease duration/);
    assert.throws(() => renewDeadlineMs(15, 0), /above 0/);
  });

  it('the holder stops before any standby can take over, for any renewal timing', () => {
    // The holder sends a renewal at t; the API server records it at some r >= t; a standby sees it at
    // some s >= r. The holder stops at t + deadline; the standby may take over from s + lease.
    const lease = 15_000;
    const deadline = renewDeadlineMs(15);
    for (const [t, delay] of [
      [0, 0],
      [1000, 5],
      [50_000, 3000],
    ] as const) {
      const seen = observeLease(undefined, 'holder', 'x', t + delay);
      let holderStop = t;
      while (withinRenewDeadline(t, deadline, holderStop)) holderStop += 1;
      let takeover = t;
      while (!leaseExpired(seen, lease, takeover)) takeover += 1;
      assert.ok(
        holderStop < takeover,
        `holder stops at ${String(holderStop)}, standby takes over at ${String(takeover)}`,
      );
    }
  });
});

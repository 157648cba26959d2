import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FieldOwnership } from './conflicts.ts';

const claim = (field: string, value: string, scope = 'the route for every request') => ({ scope, field, value });

describe('FieldOwnership', () => {
  it('reports a second policy setting the same field of the same route to another value', () => {
    const ownership = new FieldOwnership();
    ownership.commit('TrafficPolicy ns/a', [claim('policy.requestTimeout', '"5s"')]);
    const conflicts = ownership.conflicts([claim('policy.requestTimeout', '"10s"')]);
    assert.equal(conflicts.length, 1);
    assert.match(conflicts[0] ?? '', /policy\.requestTimeout on the route for every request .* TrafficPolicy ns\/a/);
  });

  it('accepts the same value, another field, or the same field on another route', () => {
    const ownership = new FieldOwnership();
    ownership.commit('TrafficPolicy ns/a', [claim('policy.requestTimeout', '"5s"')]);
    assert.deepEqual(ownership.conflicts([claim('policy.requestTimeout', '"5s"')]), []);
    assert.deepEqual(ownership.conflicts([claim('policy.retries', '{"attempts":3}')]), []);
    assert.deepEqual(ownership.conflicts([claim('policy.requestTimeout', '"1s"', 'the route for uri prefix /x')]), []);
  });

  it('judges later policies only against committed (accepted) claims', () => {
    const ownership = new FieldOwnership();
    ownership.commit('TrafficPolicy ns/a', [claim('policy.requestTimeout', '"5s"')]);
    // b conflicts on the timeout and is never committed, so its retries claim does not exist…
    assert.equal(
      ownership.conflicts([claim('policy.requestTimeout', '"9s"'), claim('policy.retries', '"b"')]).length,
      1,
    );
    // …and c may set retries.
    assert.deepEqual(ownership.conflicts([claim('policy.retries', '"c"')]), []);
  });

  it('names every co-owner of a shared value', () => {
    const ownership = new FieldOwnership();
    ownership.commit('TrafficPolicy ns/a', [claim('policy.requestTimeout', '"5s"')]);
    ownership.commit('TrafficPolicy ns/b', [claim('policy.requestTimeout', '"5s"')]);
    assert.match(ownership.conflicts([claim('policy.requestTimeout', '"1s"')])[0] ?? '', /ns\/a, TrafficPolicy ns\/b/);
  });
});

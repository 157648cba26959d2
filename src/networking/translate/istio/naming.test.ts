import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationMilliseconds } from '../../validate/durations.ts';
import { istioMesh } from '../../test-fixtures.ts';
import { istioApiVersions, parseIstioVersion } from './api-versions.ts';
import { subsetName, subsetsFor } from './subsets.ts';

describe('subset names', () => {
  it('joins sorted key-value pairs as Gloo Mesh 1.x did', () => {
    assert.equal(subsetName({ version: 'v1' }), 'version-v1');
    assert.equal(subsetName({ version: 'v2', env: 'Prod' }), 'env-prod-version-v2');
  });

  it('makes a DNS-1123 label of anything, with a hash past 63 characters', () => {
    assert.equal(subsetName({ 'app.kubernetes.io/version': '1.0_rc' }), 'app-kubernetes-io-version-1-0-rc');
    const long = subsetName({ a: 'x'.repeat(80) });
    assert.ok(long.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(long), long);
    assert.notEqual(long, subsetName({ a: `${'x'.repeat(79)}y` }));
  });

  it('names a subset in linear time whatever the label value (found by fuzzing: long runs of dashes took minutes)', () => {
    const started = performance.now();
    const name = subsetName({ version: `${'-'.repeat(100_000)}x` });
    const ms = performance.now() - started;
    assert.ok(ms < 1_000, `took ${ms.toFixed(0)} ms`);
    assert.match(name, /^version-[0-9a-f]{10}$/);
    assert.equal(subsetName({ version: '--v1--' }), 'version---v1', 'trailing dashes trimmed, inner ones kept');
    assert.equal(subsetName({ '-': '-' }), 'subset');
  });

  it('dedupes and sorts subsets', () => {
    const subsets = subsetsFor([{ version: 'v2' }, { version: 'v1' }, { version: 'v2' }, {}]);
    assert.deepEqual(
      subsets.map((s) => s.name),
      ['version-v1', 'version-v2'],
    );
  });
});

describe('Istio API versions', () => {
  it('parses discovered versions', () => {
    assert.deepEqual(parseIstioVersion('1.24.2-distroless'), [1, 24]);
    assert.deepEqual(parseIstioVersion('v1.9.0'), [1, 9]);
    assert.equal(parseIstioVersion('latest'), undefined);
  });

  it('writes v1 from Istio 1.22 and v1beta1 before it or when unknown', () => {
    assert.equal(istioApiVersions(istioMesh('c', { version: '1.22.0' })).networking, 'networking.istio.io/v1');
    assert.equal(istioApiVersions(istioMesh('c', { version: '1.21.6' })).security, 'security.istio.io/v1beta1');
    assert.equal(istioApiVersions(istioMesh('c', { version: 'latest' })).networking, 'networking.istio.io/v1beta1');
  });
});

describe('durations', () => {
  it('reads protobuf and Go style durations', () => {
    assert.equal(durationMilliseconds('1.5s'), 1500);
    assert.equal(durationMilliseconds('1m30s'), 90_000);
    assert.equal(durationMilliseconds('250ms'), 250);
    assert.equal(durationMilliseconds('500us'), 0.5);
    assert.equal(durationMilliseconds('-1s'), -1000);
    assert.equal(durationMilliseconds('10'), undefined);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/meta.ts';
import { SECRET, typeOfObject } from '../kube/resources.ts';
import { caSecretFacts } from './agent.ts';
import { BOUNCE_FOR_ANNOTATION, labelSelector, nextBounceStep, type PodBounceDirective } from './pod-bounce.ts';
import { ReadYourWrites, versionAtLeast } from './read-your-writes.ts';

const secret = (name: string, resourceVersion: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'ns', resourceVersion },
});

describe('read-your-writes', () => {
  it('compares etcd resourceVersions as numbers, others by equality', () => {
    assert.ok(versionAtLeast('100', '99'));
    assert.ok(!versionAtLeast('99', '100'));
    assert.ok(versionAtLeast('abc', 'abc'));
    assert.ok(!versionAtLeast('abd', 'abc'));
    assert.ok(!versionAtLeast(undefined, '1'));
  });

  it('holds a key back until the cache shows what was written, or the deadline passes', () => {
    const writes = new ReadYourWrites();
    let cache: KubeObject[] = [secret('key', '5')];
    const objectsOf = () => cache;
    writes.expect('ic', [secret('key', '7')], 0, 1000);
    assert.equal(writes.caughtUp('ic', objectsOf, 10), false, 'the cache is behind');
    assert.equal(writes.caughtUp('other', objectsOf, 10), true, 'other keys are not held');
    cache = [secret('key', '8')];
    assert.equal(writes.caughtUp('ic', objectsOf, 20), true);
    // Once caught up, the expectation is gone.
    cache = [];
    assert.equal(writes.caughtUp('ic', objectsOf, 30), true);
    writes.expect('ic', [secret('gone', '9')], 0, 1000);
    assert.equal(writes.caughtUp('ic', objectsOf, 999), false);
    assert.equal(writes.caughtUp('ic', objectsOf, 1000), true, 'the deadline releases it');
    assert.ok(typeOfObject('v1', 'Secret')?.plural === SECRET.plural);
  });
});

describe('pod bounce', () => {
  const directive = (
    annotation: string | undefined,
    podsBounced?: { bouncedPods: string[] }[],
  ): PodBounceDirective => ({
    apiVersion: 'certificates.mesh.gloo.solo.io/v1',
    kind: 'PodBounceDirective',
    metadata: {
      name: 'mesh',
      namespace: 'gloo-mesh',
      ...(annotation === undefined ? {} : { annotations: { [BOUNCE_FOR_ANNOTATION]: annotation } }),
    },
    spec: {
      podsToBounce: [
        { namespace: 'istio-system', labels: { app: 'istiod' }, waitForReplicas: 1 },
        { namespace: 'bookinfo', labels: { app: 'reviews' }, rootCertSync: { secretKey: 'root-cert.pem' } },
      ],
    },
    ...(podsBounced === undefined ? {} : { status: { podsBounced } }),
  });
  const pod = (name: string, ready: boolean): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'istio-system' },
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });
  const facts = (pods: KubeObject[], synced: boolean) => ({
    pods: () => Promise.resolve(pods),
    rootSynced: (index: number) => Promise.resolve(index === 0 || synced),
  });

  it('starts over for a new certificate', async () => {
    assert.deepEqual(await nextBounceStep(directive(undefined), 'd1', facts([], true)), { kind: 'reset' });
    assert.deepEqual(await nextBounceStep(directive('d0', [{ bouncedPods: ['x'] }]), 'd1', facts([], true)), {
      kind: 'reset',
    });
  });

  it('restarts istiod first, waits for a new ready replica, then waits for the root before the workloads', async () => {
    const first = await nextBounceStep(directive('d1', []), 'd1', facts([], false));
    assert.deepEqual(first, { kind: 'delete', index: 0, selector: directive('d1').spec.podsToBounce?.[0] });
    // istiod deleted: the old pod (still listed, terminating) does not count, a new one must be Ready.
    const recorded = [{ bouncedPods: ['istiod-old'] }];
    const waiting = await nextBounceStep(
      directive('d1', recorded),
      'd1',
      facts([pod('istiod-old', true), pod('istiod-new', false)], false),
    );
    assert.equal(waiting.kind, 'waiting');
    const rootWait = await nextBounceStep(directive('d1', recorded), 'd1', facts([pod('istiod-new', true)], false));
    assert.deepEqual(rootWait, { kind: 'waiting', reason: 'the new root is not yet in namespace bookinfo' });
    const second = await nextBounceStep(directive('d1', recorded), 'd1', facts([pod('istiod-new', true)], true));
    assert.equal(second.kind === 'delete' ? second.index : -1, 1);
    const done = await nextBounceStep(
      directive('d1', [...recorded, { bouncedPods: ['reviews-1'] }]),
      'd1',
      facts([pod('istiod-new', true)], true),
    );
    assert.deepEqual(done, { kind: 'done' });
  });

  it('builds label selectors', () => {
    assert.equal(labelSelector({ app: 'istiod', version: 'v1' }), 'app=istiod,version=v1');
    assert.equal(labelSelector(undefined), '');
  });
});

describe('cacerts facts', () => {
  it('reads the agent annotations and tolerates a Secret without a certificate', () => {
    const facts = caSecretFacts({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'cacerts',
        annotations: {
          'certificates.meshhub.dev/inputs-hash': 'h',
          'certificates.meshhub.dev/signed-certificate-hash': 'd',
        },
      },
      data: { 'ca-cert.pem': Buffer.from('not a certificate').toString('base64') },
    });
    assert.deepEqual(facts, { inputsHash: 'h', signedCertificateDigest: 'd' });
    assert.equal(caSecretFacts(undefined), undefined);
  });
});

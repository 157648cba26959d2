import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/meta.ts';
import { KubeApiError, type ListOptions, type ObjectList } from '../kube/client.ts';
import type { ResourceType } from '../kube/resources.ts';
import {
  BOUNCE_FOR_ANNOTATION,
  labelSelector,
  nextBounceStep,
  performBounceStep,
  podFacts,
  readyReplacements,
  recordBounced,
  rootInSync,
  selectsPods,
  type BounceClient,
  type BounceFacts,
  type PodBounceDirective,
  type PodFacts,
} from './pod-bounce.ts';

const ROOT_SYNC = {
  secretRef: { name: 'cacerts', namespace: 'istio-system' },
  secretKey: 'root-cert.pem',
  configMapRef: { name: 'istio-ca-root-cert', namespace: 'bookinfo' },
  configMapKey: 'root-cert.pem',
};

function directive(digest: string | undefined, podsBounced?: { bouncedPods?: string[] }[]): PodBounceDirective {
  return {
    apiVersion: 'certificates.mesh.gloo.solo.io/v1',
    kind: 'PodBounceDirective',
    metadata: {
      name: 'mesh',
      namespace: 'gloo-mesh',
      ...(digest === undefined ? {} : { annotations: { [BOUNCE_FOR_ANNOTATION]: digest } }),
    },
    spec: {
      podsToBounce: [
        { namespace: 'istio-system', labels: { app: 'istiod' }, waitForReplicas: 1 },
        { namespace: 'bookinfo', labels: { app: 'reviews' }, rootCertSync: ROOT_SYNC },
      ],
    },
    ...(podsBounced === undefined ? {} : { status: { podsBounced } }),
  };
}

const pod = (name: string, ready: boolean, terminating = false): PodFacts => ({ name, ready, terminating });

/** Facts with fixed answers, recording which questions were asked. */
function facts(pods: Record<number, PodFacts[]>, synced: Record<number, boolean>) {
  const asked: string[] = [];
  const answers: BounceFacts = {
    pods: (index) => {
      asked.push(`pods ${index}`);
      return Promise.resolve(pods[index] ?? []);
    },
    rootSynced: (index) => {
      asked.push(`root ${index}`);
      return Promise.resolve(synced[index] ?? true);
    },
  };
  return { answers, asked };
}

describe('nextBounceStep', () => {
  it('starts over when the progress is for another certificate, or for none', async () => {
    assert.deepEqual(await nextBounceStep(directive(undefined), 'd1', facts({}, {}).answers), { kind: 'reset' });
    const old = directive('d0', [{ bouncedPods: ['istiod-1'] }, { bouncedPods: [] }]);
    assert.deepEqual(await nextBounceStep(old, 'd1', facts({}, {}).answers), { kind: 'reset' });
  });

  it('evicts istiod first, without waiting for a root (its selector has no rootCertSync)', async () => {
    const { answers, asked } = facts({ 0: [pod('istiod-1', true), pod('istiod-0', true, true)] }, { 1: false });
    assert.deepEqual(await nextBounceStep(directive('d1', []), 'd1', answers), {
      kind: 'evict',
      index: 0,
      namespace: 'istio-system',
      pods: ['istiod-1'],
    });
    assert.deepEqual(asked, ['root 0', 'pods 0'], 'nothing about the workloads is read yet');
  });

  it('waits for a ready replacement that is not one of the deleted pods', async () => {
    const recorded = directive('d1', [{ bouncedPods: ['istiod-1'] }]);
    // The deleted pod is still listed (terminating in a real cluster) and ready: it does not count.
    const stale = await nextBounceStep(recorded, 'd1', facts({ 0: [pod('istiod-1', true)] }, {}).answers);
    assert.equal(stale.kind, 'waiting');
    const notReady = await nextBounceStep(
      recorded,
      'd1',
      facts({ 0: [pod('istiod-1', true), pod('istiod-2', false)] }, {}).answers,
    );
    assert.deepEqual(notReady, {
      kind: 'waiting',
      reason: 'selector 0: 0 of 1 restarted pods ready in namespace istio-system',
    });
  });

  it('restarts the workloads only once the new root reached their namespace', async () => {
    const recorded = directive('d1', [{ bouncedPods: ['istiod-1'] }]);
    const ready = { 0: [pod('istiod-2', true)], 1: [pod('reviews-1', true), pod('reviews-2', false)] };
    const waiting = await nextBounceStep(recorded, 'd1', facts(ready, { 1: false }).answers);
    assert.deepEqual(waiting, { kind: 'waiting', reason: 'selector 1: the new root is not yet in namespace bookinfo' });
    const { answers, asked } = facts(ready, { 1: true });
    assert.deepEqual(await nextBounceStep(recorded, 'd1', answers), {
      kind: 'evict',
      index: 1,
      namespace: 'bookinfo',
      pods: ['reviews-1', 'reviews-2'],
    });
    assert.deepEqual(asked, ['pods 0', 'root 1', 'pods 1']);
  });

  it('is done when every selector is recorded and satisfied; a lost replica makes it wait again', async () => {
    const recorded = directive('d1', [{ bouncedPods: ['istiod-1'] }, { bouncedPods: ['reviews-1'] }]);
    const done = facts({ 0: [pod('istiod-2', true)] }, { 1: false });
    assert.deepEqual(await nextBounceStep(recorded, 'd1', done.answers), { kind: 'done' });
    assert.deepEqual(done.asked, ['pods 0'], 'a recorded selector never asks about its root again');
    assert.equal((await nextBounceStep(recorded, 'd1', facts({ 0: [] }, {}).answers)).kind, 'waiting');
  });

  it('never waits for replicas of a selector without labels (it selects no pods)', async () => {
    const noLabels: PodBounceDirective = {
      ...directive('d1', [{ bouncedPods: [] }]),
      spec: { podsToBounce: [{ namespace: 'istio-system', waitForReplicas: 2 }] },
    };
    assert.deepEqual(await nextBounceStep(noLabels, 'd1', facts({}, {}).answers), { kind: 'done' });
  });
});

describe('bounce helpers', () => {
  it('counts ready replacements: ready, not terminating, not deleted', () => {
    const pods = [pod('a', true), pod('b', true, true), pod('c', false), pod('d', true)];
    assert.equal(readyReplacements(pods, ['a']), 1);
    assert.equal(readyReplacements(pods, []), 2);
  });

  it('records a selector at its index, keeping earlier ones and dropping later ones', () => {
    const recorded = directive('d1', [{ bouncedPods: ['x'] }, { bouncedPods: ['stale'] }]);
    assert.deepEqual(recordBounced(recorded, 1, ['b', 'a']), [{ bouncedPods: ['x'] }, { bouncedPods: ['a', 'b'] }]);
    assert.deepEqual(recordBounced(directive('d1'), 1, []), [{ bouncedPods: [] }, { bouncedPods: [] }]);
  });

  it('compares a root in a Secret (base64) with one in a ConfigMap (text)', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    const encoded = Buffer.from(pem).toString('base64');
    assert.ok(rootInSync(encoded, pem.trimEnd()));
    assert.ok(!rootInSync(encoded, pem.replace('AAAA', 'BBBB')));
    assert.ok(!rootInSync(undefined, undefined), 'no root is never in sync');
    assert.ok(!rootInSync(encoded, undefined));
  });

  it('reads readiness and termination from a pod', () => {
    assert.deepEqual(
      podFacts({
        metadata: { name: 'p', deletionTimestamp: '2026-01-01T00:00:00Z' },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      }),
      { name: 'p', ready: true, terminating: true },
    );
    assert.deepEqual(podFacts({ metadata: { name: 'q' } }), { name: 'q', ready: false, terminating: false });
    assert.equal(podFacts({ metadata: {} }), undefined);
  });

  it('builds sorted label selectors', () => {
    assert.equal(labelSelector({ version: 'v1', app: 'istiod' }), 'app=istiod,version=v1');
    assert.equal(labelSelector(undefined), '');
  });
});

/** Records every call in order; evicting `fail-*` fails, `pdb-*` is refused (429), `gone-*` is 404. */
class RecordingClient implements BounceClient {
  readonly calls: string[] = [];
  apply(object: KubeObject, options: { subresource?: 'status' } = {}): Promise<KubeObject> {
    this.calls.push(`apply${options.subresource === 'status' ? ' status' : ''} ${JSON.stringify(object.status)}`);
    return Promise.resolve({ ...object, metadata: { ...object.metadata, resourceVersion: '7' } });
  }
  get(): Promise<KubeObject | undefined> {
    return Promise.resolve(undefined);
  }
  list(_type: ResourceType, _options?: ListOptions): Promise<ObjectList> {
    return Promise.resolve({ items: [], metadata: {} });
  }
  request<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (path.endsWith('/eviction')) {
      const name = path.split('/').at(-2) ?? '';
      this.calls.push(`evict ${path.split('/')[4] ?? ''}/${name}`);
      if (name.startsWith('fail-')) return Promise.reject(new Error('forbidden'));
      if (name.startsWith('pdb-')) return Promise.reject(new KubeApiError('c', 429, 'TooManyRequests', 'budget'));
      if (name.startsWith('gone-')) return Promise.reject(new KubeApiError('c', 404, 'NotFound', 'gone'));
      return Promise.resolve({} as T);
    }
    this.calls.push(`${method} ${path} ${JSON.stringify(body)}`);
    return Promise.resolve({ apiVersion: 'x/v1', kind: 'PodBounceDirective', metadata: { name: 'mesh' } } as T);
  }
}

describe('performBounceStep', () => {
  it('empties the progress before it sets the annotation of the new certificate', async () => {
    const client = new RecordingClient();
    const result = await performBounceStep(client, directive('d0', [{ bouncedPods: ['x'] }]), 'd1', { kind: 'reset' });
    assert.deepEqual(client.calls, [
      'apply status {"podsBounced":[]}',
      'PATCH /apis/certificates.mesh.gloo.solo.io/v1/namespaces/gloo-mesh/podbouncedirectives/mesh?fieldManager=mesh-hub-cert-agent {"metadata":{"annotations":{"certificates.meshhub.dev/bounce-for":"d1"}}}',
    ]);
    assert.equal(result.written.length, 2);
  });

  it('evicts, then records what it evicted; a failed eviction is not recorded and fails the step', async () => {
    const client = new RecordingClient();
    const step = { kind: 'evict', index: 0, namespace: 'istio-system', pods: ['istiod-1', 'fail-2'] } as const;
    await assert.rejects(performBounceStep(client, directive('d1', []), 'd1', step), /Pod istio-system\/fail-2/);
    assert.deepEqual(client.calls, [
      'evict istio-system/istiod-1',
      'evict istio-system/fail-2',
      'apply status {"podsBounced":[{"bouncedPods":["istiod-1"]}]}',
    ]);
  });

  it('keeps pods a PodDisruptionBudget protects as pending with the reason, and retries only those', async () => {
    const client = new RecordingClient();
    const step = { kind: 'evict', index: 0, namespace: 'istio-system', pods: ['istiod-1', 'pdb-2', 'gone-3'] } as const;
    const result = await performBounceStep(client, directive('d1', []), 'd1', step);
    assert.deepEqual(result.blocked, ['istio-system/pdb-2']);
    assert.deepEqual(result.evicted, ['istio-system/istiod-1', 'istio-system/gone-3']);
    assert.deepEqual(
      client.calls.at(-1),
      [
        'apply status {"podsBounced":[{"bouncedPods":["gone-3","istiod-1"]}],"pendingPods":["pdb-2"],"waiting":"a PodDisruptionBudget refuses evicting pod istio-system/pdb-2 now; retrying"}',
      ][0],
    );
    // The next step retries the refused pod only, never the replacements of those evicted.
    const blocked: PodBounceDirective = {
      ...directive('d1'),
      status: { podsBounced: [{ bouncedPods: ['gone-3', 'istiod-1'] }], pendingPods: ['pdb-2'] },
    };
    const next = await nextBounceStep(blocked, 'd1', facts({ 0: [pod('istiod-9', true)] }, {}).answers);
    assert.deepEqual(next, { kind: 'evict', index: 0, namespace: 'istio-system', pods: ['pdb-2'] });
    const retry = new RecordingClient();
    await performBounceStep(retry, blocked, 'd1', next);
    assert.deepEqual(retry.calls, [
      'evict istio-system/pdb-2',
      'apply status {"podsBounced":[{"bouncedPods":["gone-3","istiod-1"]}],"pendingPods":["pdb-2"],"waiting":"a PodDisruptionBudget refuses evicting pod istio-system/pdb-2 now; retrying"}',
    ]);
  });

  it('selects no pods without labels or without a namespace', () => {
    assert.ok(!selectsPods({ namespace: 'istio-system' }));
    assert.ok(!selectsPods({ labels: { app: 'x' } }));
    assert.ok(selectsPods({ namespace: 'istio-system', labels: { app: 'x' } }));
  });
});

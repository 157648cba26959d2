import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/meta.ts';
import { planApply } from './apply.ts';
import { contentDiffers, jsonEqual, statusDiffers } from './diff.ts';

function vs(name: string, spec: unknown, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'bookinfo', labels: { 'owner.networking.mesh.gloo.solo.io': 'gloo-mesh' } },
    spec,
    ...extra,
  };
}

/** As an API server returns it: more metadata, other labels added by others. */
function live(object: KubeObject, spec?: unknown): KubeObject {
  return {
    ...object,
    apiVersion: 'networking.istio.io/v1beta1',
    metadata: {
      ...object.metadata,
      uid: 'u-1',
      resourceVersion: '42',
      labels: { ...object.metadata.labels, team: 'payments' },
    },
    ...(spec === undefined ? {} : { spec }),
  };
}

describe('diff', () => {
  it('compares JSON structurally, ignoring key order', () => {
    assert.ok(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }));
    assert.ok(!jsonEqual([1, 2], [2, 1]));
    assert.ok(!jsonEqual({ a: 1 }, { a: 1, b: 2 }));
  });

  it('finds an object unchanged despite server metadata, another version and labels of others', () => {
    const desired = vs('ratings', { hosts: ['ratings'], http: [{ timeout: '5s' }] });
    assert.equal(contentDiffers(desired, live(desired)), false);
  });

  it('finds a field Mesh Hub stopped setting (content is compared for equality, not containment)', () => {
    const desired = vs('ratings', { hosts: ['ratings'] });
    assert.equal(contentDiffers(desired, live(desired, { hosts: ['ratings'], http: [{ timeout: '5s' }] })), true);
  });

  it('finds a missing owner label or annotation', () => {
    const desired = vs('ratings', {});
    const stripped = { ...live(desired), metadata: { name: 'ratings', namespace: 'bookinfo' } } as KubeObject;
    assert.equal(contentDiffers(desired, stripped), true);
  });

  it('compares status only when Mesh Hub computed one', () => {
    const withStatus = vs('p', {}, { status: { state: 'ACCEPTED', observedGeneration: 2 } });
    assert.equal(statusDiffers(withStatus, live(withStatus)), false);
    assert.equal(
      statusDiffers(withStatus, {
        ...live(withStatus),
        status: { state: 'ACCEPTED', observedGeneration: 1 },
      }),
      true,
    );
    assert.equal(statusDiffers(vs('p', {}), live(withStatus)), false);
  });
});

describe('planApply', () => {
  const owned = (o: KubeObject) => o.metadata.labels?.['owner.networking.mesh.gloo.solo.io'] === 'gloo-mesh';

  it('writes only what changed and deletes only stale objects Mesh Hub owns', () => {
    const same = vs('same', { hosts: ['same'] });
    const changed = vs('changed', { hosts: ['changed'], http: [{ timeout: '2s' }] });
    const fresh = vs('fresh', { hosts: ['fresh'] });
    const stale = vs('stale', { hosts: ['stale'] });
    const foreign = {
      ...vs('hand-written', {}),
      metadata: { name: 'hand-written', namespace: 'bookinfo' },
    } as KubeObject;
    const plan = planApply({
      desired: [same, changed, fresh],
      live: [live(same), live(changed, { hosts: ['changed'] }), live(stale), foreign],
      isOwned: owned,
      statusOnly: () => false,
    });
    assert.deepEqual(
      plan.content.map((o) => o.metadata.name),
      ['changed', 'fresh'],
    );
    assert.deepEqual(
      plan.deletions.map((o) => o.metadata.name),
      ['stale'],
    );
    assert.equal(plan.unchanged, 1);
  });

  it('writes only the status of a policy, and none to a policy that no longer exists', () => {
    const policy = {
      apiVersion: 'networking.mesh.gloo.solo.io/v1',
      kind: 'TrafficPolicy',
      metadata: { name: 'p', namespace: 'gloo-mesh' },
      spec: { policy: { requestTimeout: '1s' } },
      status: { state: 'ACCEPTED' },
    } as KubeObject;
    const livePolicy = {
      ...policy,
      spec: { policy: { requestTimeout: '9s' } },
      status: { state: 'INVALID' },
    } as KubeObject;
    const plan = planApply({ desired: [policy], live: [livePolicy], isOwned: () => false, statusOnly: () => true });
    assert.equal(plan.content.length, 0, "a user's spec is never written");
    assert.deepEqual(
      plan.status.map((o) => o.metadata.name),
      ['p'],
    );
    const gone = planApply({ desired: [policy], live: [], isOwned: () => false, statusOnly: () => true });
    assert.equal(gone.status.length, 0);
  });

  it("stamps a discovered object's status with the generation of its unchanged content", () => {
    const destination = {
      apiVersion: 'discovery.mesh.gloo.solo.io/v1',
      kind: 'Destination',
      metadata: { name: 'd', namespace: 'gloo-mesh' },
      spec: { mesh: 'm' },
      status: { localFqdn: 'd.ns.svc.cluster.local' },
    } as unknown as KubeObject;
    const liveAt = (status: Record<string, unknown>) =>
      ({ ...destination, metadata: { ...destination.metadata, generation: 3 }, status }) as unknown as KubeObject;
    const request = { isOwned: () => true, statusOnly: () => false, stampsGeneration: () => true };
    const current = planApply({
      ...request,
      desired: [destination],
      live: [liveAt({ localFqdn: 'd.ns.svc.cluster.local', observedGeneration: 3 })],
    });
    assert.equal(current.status.length + current.content.length, 0);
    const stale = planApply({
      ...request,
      desired: [destination],
      live: [liveAt({ localFqdn: 'd.ns.svc.cluster.local' })],
    });
    assert.deepEqual(
      stale.status.map((o) => (o as unknown as { status: unknown }).status),
      [{ localFqdn: 'd.ns.svc.cluster.local', observedGeneration: 3 }],
    );
  });
});

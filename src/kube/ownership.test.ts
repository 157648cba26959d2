import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DISCOVERY_OWNER_LABEL, OWNER_IDENTITY_LABEL, OWNER_LABEL } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import { ownedBy, withIdentity } from './ownership.ts';

const object = (labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'v', namespace: 'n', ...(labels === undefined ? {} : { labels }) },
});

describe('ownership', () => {
  it('stamps the identity on a copy, keeping the other labels', () => {
    const original = object({ [OWNER_LABEL]: 'gloo-mesh' });
    const stamped = withIdentity(original, 'uid-1');
    assert.deepEqual(stamped.metadata.labels, { [OWNER_LABEL]: 'gloo-mesh', [OWNER_IDENTITY_LABEL]: 'uid-1' });
    assert.deepEqual(original.metadata.labels, { [OWNER_LABEL]: 'gloo-mesh' });
    assert.equal(withIdentity(stamped, 'uid-1'), stamped);
  });

  it('owns only objects with its install namespace and its identity', () => {
    assert.ok(ownedBy(object({ [OWNER_LABEL]: 'gloo-mesh', [OWNER_IDENTITY_LABEL]: 'uid-1' }), 'gloo-mesh', 'uid-1'));
    // Another management plane with the same install namespace name.
    assert.ok(!ownedBy(object({ [OWNER_LABEL]: 'gloo-mesh', [OWNER_IDENTITY_LABEL]: 'uid-2' }), 'gloo-mesh', 'uid-1'));
    // Written by Gloo Mesh 1.x, or before identities existed.
    assert.ok(!ownedBy(object({ [OWNER_LABEL]: 'gloo-mesh' }), 'gloo-mesh', 'uid-1'));
    assert.ok(!ownedBy(object(), 'gloo-mesh', 'uid-1'));
    assert.ok(!ownedBy(object({ [OWNER_LABEL]: 'other', [OWNER_IDENTITY_LABEL]: 'uid-1' }), 'gloo-mesh', 'uid-1'));
    const discovered = object({ [DISCOVERY_OWNER_LABEL]: 'gloo-mesh', [OWNER_IDENTITY_LABEL]: 'uid-1' });
    assert.ok(ownedBy(discovered, 'gloo-mesh', 'uid-1', DISCOVERY_OWNER_LABEL));
    assert.ok(!ownedBy(discovered, 'gloo-mesh', 'uid-1'));
  });
});

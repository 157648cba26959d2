import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupKind, ReadYourWrites, versionAtLeast, writtenObject, type WrittenObject } from './read-your-writes.ts';

const written = (name: string, resourceVersion: string): WrittenObject => ({
  groupKind: '/Secret',
  namespace: 'ns',
  name,
  resourceVersion,
});

describe('versionAtLeast', () => {
  it('compares etcd revisions as integers, anything else by equality', () => {
    assert.ok(versionAtLeast('100', '99'), 'not as strings: "100" < "99"');
    assert.ok(!versionAtLeast('99', '100'));
    assert.ok(versionAtLeast('7', '7'));
    assert.ok(versionAtLeast('abc', 'abc'));
    assert.ok(!versionAtLeast('abd', 'abc'));
    assert.ok(!versionAtLeast(undefined, '1'));
    assert.ok(versionAtLeast('123456789012345678901234567890', '123456789012345678901234567889'));
  });
});

describe('ReadYourWrites', () => {
  it('holds a key back until the cache shows every object written at that version or later', () => {
    const writes = new ReadYourWrites(1000);
    const cache = new Map<string, string>([
      ['key', '5'],
      ['request', '6'],
    ]);
    const version = (object: WrittenObject) => cache.get(object.name);
    writes.wrote('ic', [written('key', '7'), written('request', '8')], 0);
    const behind = writes.check('ic', version, 10);
    assert.deepEqual(behind, {
      kind: 'behind',
      deadline: 1000,
      missing: ['/Secret ns/key@7', '/Secret ns/request@8'],
    });
    assert.deepEqual(writes.check('other', version, 10), { kind: 'caught-up' }, 'other keys are not held');
    cache.set('key', '9');
    assert.equal(writes.check('ic', version, 20).kind, 'behind', 'one of two is not enough');
    cache.set('request', '8');
    assert.equal(writes.check('ic', version, 30).kind, 'caught-up');
    // Once caught up the expectation is gone, whatever the cache shows next.
    cache.clear();
    assert.equal(writes.check('ic', version, 40).kind, 'caught-up');
    assert.deepEqual(writes.pending(), []);
  });

  it('trusts the cache again after the deadline (an object deleted meanwhile never shows up)', () => {
    const writes = new ReadYourWrites(1000);
    writes.wrote('ic', [written('gone', '9')], 0);
    assert.equal(writes.check('ic', () => undefined, 999).kind, 'behind');
    assert.equal(writes.check('ic', () => undefined, 1000).kind, 'caught-up');
  });

  it('replaces what a key waits for with its latest writes; nothing written waits for nothing', () => {
    const writes = new ReadYourWrites(1000);
    writes.wrote('ic', [written('a', '5')], 0);
    writes.wrote('ic', [written('b', '6')], 0);
    assert.equal(writes.check('ic', (object) => (object.name === 'b' ? '6' : undefined), 1).kind, 'caught-up');
    writes.wrote('ic', [written('a', '5')], 0);
    writes.wrote('ic', [], 0);
    assert.deepEqual(writes.pending(), []);
    writes.wrote('ic', [written('a', '5')], 0);
    writes.forget('ic');
    assert.equal(writes.check('ic', () => undefined, 1).kind, 'caught-up');
  });

  it('identifies written objects by group, kind, namespace and name', () => {
    assert.deepEqual(
      writtenObject({
        apiVersion: 'certificates.mesh.gloo.solo.io/v1',
        kind: 'CertificateRequest',
        metadata: { name: 'm', namespace: 'gloo-mesh', resourceVersion: '12' },
      }),
      {
        groupKind: 'certificates.mesh.gloo.solo.io/CertificateRequest',
        namespace: 'gloo-mesh',
        name: 'm',
        resourceVersion: '12',
      },
    );
    assert.equal(writtenObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }), undefined);
    assert.equal(groupKind('v1', 'Secret'), '/Secret');
  });
});

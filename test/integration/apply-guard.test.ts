// The apply layer checks mayWrite() before every write (the Lease still held, the pass not
// abandoned): once it turns false nothing more is written and nothing is deleted. Real API server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../src/api/meta.ts';
import { applyToCluster } from '../../src/kube/apply.ts';
import { clientFromKubeconfigFile } from '../../src/kube/client.ts';
import { CONFIG_MAP } from '../../src/kube/resources.ts';
import { freshNamespace, testCluster } from '../testenv/helpers.ts';

const OWNER = 'test.meshhub.dev/owner';

function configMap(name: string, namespace: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels: { [OWNER]: 'apply-guard' } },
    data: { name },
  };
}

describe('apply stops writing once mayWrite() turns false (real API server)', () => {
  it('writes nothing after the check fails and deletes nothing', async (t) => {
    const namespace = await freshNamespace(testCluster('cluster-1'), t, 'guard');
    const client = clientFromKubeconfigFile('cluster-1', process.env.MESHHUB_TEST_KUBECONFIG, 'cluster-1');
    for (const name of ['stale-1', 'stale-2', 'stale-3']) await client.apply(configMap(name, namespace));
    const live = async () => (await client.list(CONFIG_MAP, { namespace, labelSelector: OWNER })).items;
    const desired = ['new-1', 'new-2', 'new-3', 'new-4'].map((name) => configMap(name, namespace));
    let allowed = 1;
    const request = {
      desired,
      live: await live(),
      isOwned: (object: KubeObject) => object.metadata.labels?.[OWNER] === 'apply-guard',
      statusOnly: () => false,
      // The Lease is lost after the first write.
      mayWrite: () => allowed-- > 0,
    };
    const interrupted = await applyToCluster(client, request);
    assert.equal(interrupted.interrupted, true);
    assert.equal(interrupted.applied, 1);
    assert.equal(interrupted.deleted, 0);
    const names = (await live()).map((object) => object.metadata.name).sort();
    assert.deepEqual(
      names.filter((name) => name.startsWith('stale')),
      ['stale-1', 'stale-2', 'stale-3'],
    );
    assert.equal(names.filter((name) => name.startsWith('new')).length, 1);
    // The same apply, still leading: everything written, the stale objects deleted.
    const complete = await applyToCluster(client, { ...request, live: await live(), mayWrite: () => true });
    assert.equal(complete.interrupted, undefined);
    assert.equal(complete.deleted, 3);
    assert.deepEqual((await live()).map((object) => object.metadata.name).sort(), ['new-1', 'new-2', 'new-3', 'new-4']);
  });
});

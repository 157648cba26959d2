import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../api/meta.ts';
import type { ClusterInputObject } from '../../networking-index.ts';
import { extractLinkerdMirrors, indexLinkerdMirrors } from './mirrors.ts';

function link(cluster: string, target: string): ClusterInputObject {
  const object: KubeObject = {
    apiVersion: 'multicluster.linkerd.io/v1alpha3',
    kind: 'Link',
    metadata: { name: target, namespace: 'linkerd-multicluster' },
  };
  return { cluster, object: { ...object, spec: { targetClusterName: target } } };
}

function service(cluster: string, name: string, labels: Record<string, string>, fq?: string): ClusterInputObject {
  return {
    cluster,
    object: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name,
        namespace: 'emojivoto',
        labels,
        ...(fq === undefined ? {} : { annotations: { 'mirror.linkerd.io/remote-svc-fq-name': fq } }),
      },
    },
  };
}

const mirrorLabels = (cluster: string) => ({
  'mirror.linkerd.io/mirrored-service': 'true',
  'mirror.linkerd.io/cluster-name': cluster,
});

describe('extractLinkerdMirrors', () => {
  it('lists the mirror Services that a Link of their cluster keeps, naming the Service they mirror', () => {
    const services = [
      service('east', 'web-svc-west', mirrorLabels('west'), 'web-svc.emojivoto.svc.cluster.local'),
      // No annotation: the target is read from the name.
      service('east', 'voting-svc-west', mirrorLabels('west')),
      // Mirrored from a cluster no Link targets (any more): not kept up to date, left out.
      service('east', 'emoji-svc-north', mirrorLabels('north')),
      // Not a mirror at all.
      service('east', 'web-svc', { app: 'web-svc' }),
      // Mirror labels, but no Link in its own cluster.
      service('west', 'web-svc-east', mirrorLabels('east')),
    ];
    assert.deepEqual(extractLinkerdMirrors([link('east', 'west')], services), [
      {
        cluster: 'east',
        namespace: 'emojivoto',
        name: 'voting-svc-west',
        targetCluster: 'west',
        targetService: { name: 'voting-svc', namespace: 'emojivoto' },
      },
      {
        cluster: 'east',
        namespace: 'emojivoto',
        name: 'web-svc-west',
        targetCluster: 'west',
        targetService: { name: 'web-svc', namespace: 'emojivoto' },
      },
    ]);
  });

  it('finds the mirror of a Service of another cluster as seen from a client cluster', () => {
    const index = indexLinkerdMirrors(
      extractLinkerdMirrors([link('east', 'west')], [service('east', 'web-svc-west', mirrorLabels('west'))]),
    );
    assert.equal(
      index.find('east', { name: 'web-svc', namespace: 'emojivoto', cluster: 'west' })?.name,
      'web-svc-west',
    );
    assert.equal(index.find('west', { name: 'web-svc', namespace: 'emojivoto', cluster: 'west' }), undefined);
    assert.equal(index.find('east', { name: 'web-svc', namespace: 'other', cluster: 'west' }), undefined);
  });
});

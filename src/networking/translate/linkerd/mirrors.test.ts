import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../api/meta.ts';
import type { InputObject } from '../../../snapshot/input.ts';
import { extractLinkerdMirrors, indexLinkerdMirrors } from './mirrors.ts';

const input = (object: KubeObject): InputObject => ({ object, source: {} });

function link(target: string): InputObject {
  return input({
    apiVersion: 'multicluster.linkerd.io/v1alpha3',
    kind: 'Link',
    metadata: { name: target, namespace: 'linkerd-multicluster' },
    spec: { targetClusterName: target },
  });
}

function service(name: string, namespace: string, labels: Record<string, string>, fq?: string): InputObject {
  return input({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace,
      labels,
      ...(fq === undefined ? {} : { annotations: { 'mirror.linkerd.io/remote-svc-fq-name': fq } }),
    },
  });
}

const mirrorLabels = (cluster: string) => ({
  'mirror.linkerd.io/mirrored-service': 'true',
  'mirror.linkerd.io/cluster-name': cluster,
});

describe('extractLinkerdMirrors', () => {
  it('lists the mirror Services that a Link of their cluster keeps, naming the Service they mirror', () => {
    const clusters = new Map([
      [
        'east',
        [
          link('west'),
          service('web-svc-west', 'emojivoto', mirrorLabels('west'), 'web-svc.emojivoto.svc.cluster.local'),
          // No annotation: the target is read from the name.
          service('voting-svc-west', 'emojivoto', mirrorLabels('west')),
          // Mirrored from a cluster no Link targets (any more): not kept up to date, left out.
          service('emoji-svc-north', 'emojivoto', mirrorLabels('north')),
          // Not a mirror at all.
          service('web-svc', 'emojivoto', { app: 'web-svc' }),
        ],
      ],
      // Mirror labels but no Link in this cluster: nothing.
      ['west', [service('web-svc-east', 'emojivoto', mirrorLabels('east'))]],
    ]);
    assert.deepEqual(extractLinkerdMirrors(clusters), [
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
      extractLinkerdMirrors(
        new Map([['east', [link('west'), service('web-svc-west', 'emojivoto', mirrorLabels('west'))]]]),
      ),
    );
    assert.equal(
      index.find('east', { name: 'web-svc', namespace: 'emojivoto', cluster: 'west' })?.name,
      'web-svc-west',
    );
    assert.equal(index.find('west', { name: 'web-svc', namespace: 'emojivoto', cluster: 'west' }), undefined);
    assert.equal(index.find('east', { name: 'web-svc', namespace: 'other', cluster: 'west' }), undefined);
  });
});

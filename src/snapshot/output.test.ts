import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { KubeObject } from '../api/meta.ts';
import { layoutOutputStream, layoutOutputTree, outputFileName } from './output.ts';

const vs = (name: string, ns: string): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name, namespace: ns },
});

describe('output layout', () => {
  it('names files after kind and group', () => {
    assert.equal(outputFileName(vs('a', 'b')), 'virtualservice.networking.istio.io.yaml');
    assert.equal(outputFileName({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }), 'secret.yaml');
  });

  it('writes mgmt and per-cluster folders, objects sorted by namespace and name', () => {
    const files = layoutOutputTree({
      mgmt: [],
      clusters: new Map([
        ['cluster-2', [vs('b', 'ns'), vs('a', 'ns'), vs('z', 'a-ns')]],
        ['cluster-1', [vs('r', 'x')]],
      ]),
      warnings: [],
    });
    assert.deepEqual(
      [...files.keys()],
      [
        'clusters/cluster-1/virtualservice.networking.istio.io.yaml',
        'clusters/cluster-2/virtualservice.networking.istio.io.yaml',
      ],
    );
    const names = (files.get('clusters/cluster-2/virtualservice.networking.istio.io.yaml') ?? '')
      .split('---\n')
      .filter((doc) => doc !== '')
      .map((doc) => (parse(doc) as KubeObject).metadata.name);
    assert.deepEqual(names, ['z', 'a', 'b']);
  });

  it('annotates every object of the stdout stream with its cluster', () => {
    const stream = layoutOutputStream({
      mgmt: [
        {
          apiVersion: 'networking.mesh.gloo.solo.io/v1',
          kind: 'TrafficPolicy',
          metadata: { name: 'p', namespace: 'gloo-mesh' },
        },
      ],
      clusters: new Map([['cluster-1', [vs('r', 'x')]]]),
      warnings: [],
    });
    const clusters = stream
      .split('---\n')
      .filter((doc) => doc !== '')
      .map((doc) => (parse(doc) as KubeObject).metadata.annotations?.['meshhub.dev/cluster']);
    assert.deepEqual(clusters, ['mgmt', 'cluster-1']);
  });
});

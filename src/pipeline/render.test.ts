// One bad object must not stop the estate (issue 14, item 10), and unknown is not empty (item 7):
// the render isolates a throwing cluster's discovery and a throwing object's translation, and renders
// a cluster whose objects are unknown with its last discovered objects.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_INSTALL_NAMESPACE } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import type { NetworkingRender } from '../networking/render-step.ts';
import type { InputObject, InputSnapshot } from '../snapshot/input.ts';
import { loadInputTree } from '../snapshot/load.ts';
import { networkingEntries, networkingIsolated, render, type NetworkingEntry } from './render.ts';
import { checkManagementObject } from './validate-input.ts';
import { discover } from '../discovery/discover.ts';

const CASE = join(import.meta.dirname, '..', '..', 'testdata', 'networking', 'global-access-default-deny', 'input');

function load(): InputSnapshot {
  return loadInputTree(CASE, { installNamespace: DEFAULT_INSTALL_NAMESPACE });
}

function keys(objects: readonly KubeObject[] | undefined): string[] {
  return (objects ?? []).map((object) => JSON.stringify(object)).sort();
}

/** A Linkerd control plane whose linkerd-config values are not YAML: discovery throws on it today. */
/**
 * A Linkerd control plane whose config map throws when discovery reads it: a stand-in for any bug
 * in discovery on one object (malformed input itself is reported as a warning, see discovery's tests).
 */
function throwingLinkerd(): InputObject[] {
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'linkerd-config', namespace: 'linkerd' },
    get data(): Record<string, string> {
      throw new Error('a bug in discovery');
    },
  };
  const objects: KubeObject[] = [
    configMap,
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'linkerd-destination', namespace: 'linkerd' },
      spec: {
        selector: { matchLabels: { app: 'd' } },
        template: {
          metadata: { labels: { app: 'd' } },
          spec: { containers: [{ name: 'destination', image: 'cr.l5d.io/linkerd/controller:stable-2.14.10' }] },
        },
      },
    },
  ];
  return objects.map((object) => ({ object, source: {} }));
}

describe('render: error isolation and unknown clusters', () => {
  const baseline = render(load());
  const lastDiscovered = (cluster: string) =>
    baseline.mgmt.filter(
      (object) =>
        ['Mesh', 'Workload', 'Destination'].includes(object.kind) &&
        object.metadata.labels?.['cluster.discovery.mesh.gloo.solo.io'] === cluster,
    );

  it('a cluster whose discovery throws is reported on that cluster; everything renders as before', () => {
    const snapshot = load();
    const clusters = new Map(snapshot.clusters);
    clusters.set('cluster-2', [...(clusters.get('cluster-2') ?? []), ...throwingLinkerd()]);
    const broken = { ...snapshot, clusters };
    assert.throws(() => discover(broken), 'plain discovery throws on this input');
    const result = render(broken, { lastDiscovered });
    assert.match(result.clusterErrors.get('cluster-2') ?? '', /^discovery failed: /);
    assert.deepEqual([...result.clusterErrors.keys()], ['cluster-2']);
    assert.ok(
      result.warnings.some((warning) => warning.cluster === 'cluster-2' && /discovery failed/.test(warning.message)),
    );
    // Its last discovered objects stand in: nothing anywhere changes, nothing would be deleted.
    assert.deepEqual(keys(result.mgmt), keys(baseline.mgmt));
    for (const cluster of ['cluster-1', 'cluster-2'])
      assert.deepEqual(keys(result.clusters.get(cluster)), keys(baseline.clusters.get(cluster)), cluster);
  });

  it('a cluster not yet known renders with its last discovered objects: other clusters and statuses unchanged', () => {
    const snapshot = load();
    const clusters = new Map(snapshot.clusters);
    clusters.set('cluster-2', []);
    const result = render({ ...snapshot, clusters }, { unknownClusters: new Set(['cluster-2']), lastDiscovered });
    assert.deepEqual(keys(result.clusters.get('cluster-1')), keys(baseline.clusters.get('cluster-1')));
    assert.deepEqual(keys(result.mgmt), keys(baseline.mgmt));
    // Without the stand-in, cluster-1 would lose what depends on cluster-2 (federation, access principals).
    const empty = render({ ...snapshot, clusters });
    assert.notDeepEqual(keys(empty.clusters.get('cluster-1')), keys(baseline.clusters.get('cluster-1')));
  });
});

describe('networkingIsolated: a throwing object is found and left out', () => {
  const input = (apiVersion: string, kind: string, name: string): InputObject => ({
    object: { apiVersion, kind, metadata: { name, namespace: 'ns' }, spec: {} },
    source: {},
  });
  const entries = networkingEntries(
    [
      input('settings.mesh.gloo.solo.io/v1', 'Settings', 'settings'),
      ...Array.from({ length: 40 }, (_, i) =>
        input('networking.mesh.gloo.solo.io/v1', 'TrafficPolicy', `tp-${String(i)}`),
      ),
      input('networking.mesh.gloo.solo.io/v1', 'AccessPolicy', 'ap'),
    ].map(checkManagementObject),
  );
  const bad = new Set(['tp-7', 'tp-31']);
  let attempts = 0;
  const attempt = (list: readonly NetworkingEntry[]): NetworkingRender => {
    attempts++;
    for (const { typed } of list)
      if (bad.has(typed.object.metadata.name)) throw new Error(`boom in ${typed.object.metadata.name}`);
    return { statuses: new Map(), outputs: new Map([['c', list.map((e) => e.typed.object)]]) };
  };

  it('every object passed its schema check', () => {
    assert.equal(entries.length, 42);
  });

  it('names each culprit with its error, keeps the others, in about log2(n) passes per culprit', () => {
    attempts = 0;
    const { networking, objectErrors } = networkingIsolated(attempt, entries, new Set());
    assert.deepEqual([...objectErrors].sort(), [
      ['networking.mesh.gloo.solo.io/TrafficPolicy/ns/tp-31', 'boom in tp-31'],
      ['networking.mesh.gloo.solo.io/TrafficPolicy/ns/tp-7', 'boom in tp-7'],
    ]);
    assert.equal(networking.outputs.get('c')?.length, entries.length - 2);
    assert.ok(attempts <= 2 * (Math.ceil(Math.log2(entries.length)) + 2) + 1, `passes: ${String(attempts)}`);
  });

  it('a known suspect is found at once the next time', () => {
    attempts = 0;
    const suspects = new Set(['networking.mesh.gloo.solo.io/TrafficPolicy/ns/tp-7']);
    bad.delete('tp-31');
    const { objectErrors } = networkingIsolated(attempt, entries, suspects);
    assert.deepEqual([...objectErrors.keys()], [...suspects]);
    assert.ok(attempts <= 4, `passes: ${String(attempts)}`);
    bad.add('tp-31');
  });

  it('a throw without any policy is not blamed on one: it propagates', () => {
    const always = (): NetworkingRender => {
      throw new Error('core bug');
    };
    assert.throws(() => networkingIsolated(always, entries, new Set()), /core bug/);
  });
});

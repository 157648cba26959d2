// The estate's discovery assembled from an earlier assembly (only changed clusters merged in)
// equals the one assembled from scratch, in content and order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { generateEstate, type EstateSize } from '../../bench/estate.ts';
import type { InputObject } from '../snapshot/input.ts';
import { assembleDiscovery, discoverCluster, type ClusterDiscovery, type DiscoveryResult } from './discover.ts';

const SIZE: EstateSize = {
  clusters: 4,
  servicesPerCluster: 6,
  workloadsPerService: 1,
  servicesPerNamespace: 3,
  federateEvery: 2,
  mixedMeshes: true,
};

const estate = generateEstate(SIZE);
const names = [...estate.clusters.keys()].sort();
const discovered = (cluster: string, objects: readonly InputObject[]): ClusterDiscovery =>
  discoverCluster('gloo-mesh', cluster, objects, undefined);
const baseline = names.map((cluster) => discovered(cluster, estate.clusters.get(cluster) ?? []));

/** Every list in order, by name, as a reader compares them. */
function namesOf(result: DiscoveryResult) {
  const metadata = (list: readonly { readonly metadata: { readonly name: string } }[]) =>
    list.map((o) => o.metadata.name);
  const detected = (list: readonly { readonly name: string }[]) => list.map((o) => o.name);
  return {
    meshes: metadata(result.meshes),
    workloads: metadata(result.workloads),
    destinations: metadata(result.destinations),
    detected: [
      detected(result.detected.meshes),
      detected(result.detected.workloads),
      detected(result.detected.destinations),
    ],
  };
}

function assertSameAssembly(merged: DiscoveryResult, full: DiscoveryResult): void {
  assert.deepEqual(namesOf(merged), namesOf(full));
  assert.equal(JSON.stringify(merged), JSON.stringify(full));
}

describe('assembleDiscovery from an earlier assembly', () => {
  it('equals a fresh assembly after Services of one cluster come and go', () => {
    fc.assert(
      fc.property(
        fc.nat(names.length - 1),
        fc.array(fc.tuple(fc.boolean(), fc.nat(100)), { minLength: 1, maxLength: 4 }),
        (at, edits) => {
          const cluster = names[at] ?? '';
          let objects = estate.clusters.get(cluster) ?? [];
          edits.forEach(([add, pick], n) => {
            const services = objects.filter((input) => input.object.kind === 'Service');
            const service = services[pick % services.length]?.object;
            if (service === undefined) return;
            objects = add
              ? [
                  ...objects,
                  { object: { ...service, metadata: { ...service.metadata, name: `a${n}-${pick}` } }, source: {} },
                ]
              : objects.filter((input) => input.object !== service);
          });
          const previous = { clusters: baseline, result: assembleDiscovery(baseline) };
          const clusters = baseline.map((c) => (c.cluster === cluster ? discovered(cluster, objects) : c));
          const merged = assembleDiscovery(clusters, previous);
          assertSameAssembly(merged, assembleDiscovery(clusters));
        },
      ),
      { seed: 4242, numRuns: 60 },
    );
  });

  it('keeps the earlier lists where no cluster changed them', () => {
    const previous = { clusters: baseline, result: assembleDiscovery(baseline) };
    const changed = baseline.map((c, i) => (i === 1 ? { ...c, destinations: c.destinations.slice(1) } : c));
    const merged = assembleDiscovery(changed, previous);
    assert.equal(merged.meshes, previous.result.meshes);
    assert.equal(merged.workloads, previous.result.workloads);
    assert.notEqual(merged.destinations, previous.result.destinations);
    assert.equal(merged.destinations.length, previous.result.destinations.length - 1);
    assertSameAssembly(merged, assembleDiscovery(changed));
  });

  for (const [from, into] of [
    [0, 1],
    [1, 0],
  ] as const) {
    it(`keeps cluster order for equal names across clusters, as a fresh assembly does (cluster ${from + 1}'s name in cluster ${into + 1})`, () => {
      const previous = { clusters: baseline, result: assembleDiscovery(baseline) };
      const source = baseline[from];
      const target = baseline[into];
      const twin = source?.destinations[0];
      assert.ok(source !== undefined && target !== undefined && twin !== undefined);
      // A Destination of the target cluster named as one of the source's (and marked, to tell them apart).
      const copy = { ...twin, metadata: { ...twin.metadata, labels: { twin: 'copy' } } };
      const byName = (a: { metadata: { name: string } }, b: { metadata: { name: string } }) =>
        a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
      const changed = baseline.map((c) =>
        c === target ? { ...c, destinations: [copy, ...c.destinations].sort(byName) } : c,
      );
      const merged = assembleDiscovery(changed, previous);
      assertSameAssembly(merged, assembleDiscovery(changed));
      const twins = merged.destinations.filter((d) => d.metadata.name === twin.metadata.name);
      assert.deepEqual(
        twins.map((d) => d.metadata.labels?.twin ?? 'original'),
        from < into ? ['original', 'copy'] : ['copy', 'original'],
      );
    });
  }

  it('assembles from scratch when the clusters are not the earlier ones', () => {
    const previous = { clusters: baseline, result: assembleDiscovery(baseline) };
    const fewer = baseline.slice(1);
    assertSameAssembly(assembleDiscovery(fewer, previous), assembleDiscovery(fewer));
  });
});

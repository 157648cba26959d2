import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parentsAnnotation } from './output-meta.ts';

const KEYS = {
  destinations: 'discovery.mesh.gloo.solo.io/v1, Kind=Destination',
  trafficPolicies: 'networking.mesh.gloo.solo.io/v1, Kind=TrafficPolicy',
  accessPolicies: 'networking.mesh.gloo.solo.io/v1, Kind=AccessPolicy',
  virtualMeshes: 'networking.mesh.gloo.solo.io/v1, Kind=VirtualMesh',
  virtualDestinations: 'networking.enterprise.mesh.gloo.solo.io/v1beta1, Kind=VirtualDestination',
} as const;

type Field = keyof typeof KEYS;
interface Parent {
  metadata: { name: string; namespace?: string };
}

/** The annotation as an object of sorted, distinct references per kind, stringified. */
function reference(parents: Partial<Record<Field, Parent[]>>): string {
  const entries: [string, { name: string; namespace: string }[]][] = [];
  for (const field of Object.keys(KEYS) as Field[]) {
    const list = parents[field];
    if (list === undefined || list.length === 0) continue;
    const at = (r: { name: string; namespace: string }) => `${r.namespace}/${r.name}`;
    const refs = list
      .map((p) => ({ name: p.metadata.name, namespace: p.metadata.namespace ?? '' }))
      .sort((a, b) => (at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : 0))
      .filter((ref, i, all) => i === 0 || at(ref) !== at(all[i - 1] ?? { name: '', namespace: '' }));
    entries.push([KEYS[field], refs]);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify(Object.fromEntries(entries));
}

const word = fc.oneof(fc.constantFrom('a', 'b', 'a-b', 'ns', 'x/y', 'é', '"q"'), fc.string({ maxLength: 4 }));
const parent = fc
  .record({ name: word, namespace: fc.option(word, { nil: undefined }) }, { requiredKeys: ['name'] })
  .map(({ name, namespace }): Parent => ({ metadata: namespace === undefined ? { name } : { name, namespace } }));
const parents = fc.record(
  {
    destinations: fc.array(parent, { maxLength: 4 }),
    trafficPolicies: fc.array(parent, { maxLength: 4 }),
    accessPolicies: fc.array(parent, { maxLength: 4 }),
    virtualMeshes: fc.array(parent, { maxLength: 4 }),
    virtualDestinations: fc.array(parent, { maxLength: 4 }),
  },
  { requiredKeys: [] },
);

describe('parentsAnnotation', () => {
  it('lists kinds by key and each kind’s references sorted and distinct, as JSON', () => {
    fc.assert(
      fc.property(parents, (p) => {
        assert.equal(parentsAnnotation(p), reference(p));
      }),
      { seed: 17, numRuns: 2000 },
    );
  });

  it('writes Gloo Mesh’s form', () => {
    assert.equal(
      parentsAnnotation({
        trafficPolicies: [{ metadata: { name: 'b', namespace: 'n' } }, { metadata: { name: 'a', namespace: 'n' } }],
        destinations: [{ metadata: { name: 'd', namespace: 'gloo-mesh' } }],
      }),
      '{"discovery.mesh.gloo.solo.io/v1, Kind=Destination":[{"name":"d","namespace":"gloo-mesh"}],' +
        '"networking.mesh.gloo.solo.io/v1, Kind=TrafficPolicy":[{"name":"a","namespace":"n"},{"name":"b","namespace":"n"}]}',
    );
    assert.equal(parentsAnnotation({}), '{}');
  });
});

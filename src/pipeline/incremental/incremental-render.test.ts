// Proof of equality: random sequences of changes of every kind, applied to a generated estate the
// way the controller's caches apply them (a changed object is a new object, every other object
// keeps its identity), and after each step the incremental pass equals a full render byte for byte.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { generateEstate, type EstateSize } from '../../../bench/estate.ts';
import { managementObjects } from '../../../bench/estate-policies.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { InputObject, InputSnapshot } from '../../snapshot/input.ts';
import { render, type RenderResult } from '../render.ts';
import { renderIncremental, type RenderState } from './incremental-render.ts';

const SIZE: EstateSize = {
  clusters: 3,
  servicesPerCluster: 8,
  workloadsPerService: 2,
  servicesPerNamespace: 4,
  federateEvery: 3,
  mixedMeshes: true,
};

function estate(): InputSnapshot {
  const generated = generateEstate(SIZE);
  const mgmt = managementObjects(SIZE, 24, 12).map((object): InputObject => ({ object, source: {} }));
  return { ...generated, mgmt: [...generated.mgmt, ...mgmt] };
}

/** Everything a render returns, as the bytes a reader would compare. */
function bytesOf(result: RenderResult): string {
  return JSON.stringify({
    mgmt: result.mgmt,
    clusters: [...result.clusters].sort(([a], [b]) => (a < b ? -1 : 1)),
    warnings: result.warnings,
    clusterErrors: [...result.clusterErrors],
    objectErrors: [...result.objectErrors],
  });
}

type Change =
  | { kind: 'edit-policy'; policyKind: 'TrafficPolicy' | 'AccessPolicy'; pick: number; variant: number }
  | { kind: 'add-policy'; policyKind: 'TrafficPolicy' | 'AccessPolicy'; pick: number }
  | { kind: 'remove-policy'; policyKind: 'TrafficPolicy' | 'AccessPolicy'; pick: number }
  | { kind: 'write-status' }
  | { kind: 'scale-workload'; pick: number }
  | { kind: 'relabel-workload'; pick: number }
  | { kind: 'add-destination'; pick: number }
  | { kind: 'remove-destination'; pick: number }
  | { kind: 'settings'; variant: number }
  | { kind: 'virtual-mesh'; variant: number };

const policyKind = fc.constantFrom('TrafficPolicy' as const, 'AccessPolicy' as const);
const pick = fc.nat(1000);
const change: fc.Arbitrary<Change> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('edit-policy' as const), policyKind, pick, variant: fc.nat(5) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('add-policy' as const), policyKind, pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove-policy' as const), policyKind, pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('write-status' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('scale-workload' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('relabel-workload' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add-destination' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove-destination' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('settings' as const), variant: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('virtual-mesh' as const), variant: fc.nat(2) }) },
);

const at = <T>(list: readonly T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);

function replaceMgmt(snapshot: InputSnapshot, from: KubeObject, to: KubeObject | undefined): InputSnapshot {
  return {
    ...snapshot,
    mgmt: snapshot.mgmt.flatMap((input) =>
      input.object !== from ? [input] : to === undefined ? [] : [{ object: to, source: {} }],
    ),
  };
}

function editCluster(
  snapshot: InputSnapshot,
  n: number,
  edit: (objects: readonly InputObject[], n: number) => InputObject[],
): InputSnapshot {
  const names = [...snapshot.clusters.keys()].sort();
  const name = at(names, n) ?? '';
  const clusters = new Map(snapshot.clusters);
  clusters.set(name, edit(snapshot.clusters.get(name) ?? [], Math.floor(n / names.length)));
  return { ...snapshot, clusters };
}

const ofKind = (objects: readonly InputObject[], kind: string) => objects.filter((i) => i.object.kind === kind);

function withSpec(object: KubeObject, spec: unknown): KubeObject {
  return { ...object, metadata: { ...object.metadata, generation: (object.metadata.generation ?? 0) + 1 }, spec };
}

function apply(snapshot: InputSnapshot, c: Change, last: RenderResult): InputSnapshot {
  const policies = (kind: string) => snapshot.mgmt.filter((i) => i.object.kind === kind).map((i) => i.object);
  switch (c.kind) {
    case 'edit-policy': {
      const policy = at(policies(c.policyKind), c.pick);
      const donor = at(policies(c.policyKind), c.pick + 1 + c.variant);
      if (policy === undefined || donor === undefined) return snapshot;
      const spec = (donor as { spec?: unknown }).spec;
      // Another policy's spec: new selectors, shifts and features on the same name.
      return replaceMgmt(snapshot, policy, withSpec(policy, c.variant === 0 ? { destinationSelector: [] } : spec));
    }
    case 'add-policy': {
      const donor = at(policies(c.policyKind), c.pick);
      if (donor === undefined) return snapshot;
      const copy = { ...donor, metadata: { ...donor.metadata, name: `added-${String(c.pick)}` } };
      if (policies(c.policyKind).some((p) => p.metadata.name === copy.metadata.name)) return snapshot;
      return { ...snapshot, mgmt: [...snapshot.mgmt, { object: copy, source: {} }] };
    }
    case 'remove-policy': {
      const policy = at(policies(c.policyKind), c.pick);
      return policy === undefined ? snapshot : replaceMgmt(snapshot, policy, undefined);
    }
    case 'write-status': {
      // The controller writes each policy's status back; the next pass reads it (it orders contested fields).
      const byName = new Map(last.mgmt.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
      return {
        ...snapshot,
        mgmt: snapshot.mgmt.map((input) => {
          if (input.object.kind !== 'TrafficPolicy' && input.object.kind !== 'AccessPolicy') return input;
          const rendered = byName.get(`${input.object.kind}/${input.object.metadata.name}`);
          const status = (rendered as { status?: unknown } | undefined)?.status;
          return { object: { ...input.object, status }, source: {} };
        }),
      };
    }
    case 'scale-workload':
    case 'relabel-workload':
      return editCluster(snapshot, c.pick, (objects, n) => {
        const target = at(ofKind(objects, 'Deployment'), n)?.object;
        return objects.map((input) => {
          if (input.object !== target) return input;
          const spec = input.object.spec as {
            replicas?: number;
            template?: { metadata?: { labels?: Record<string, string> } };
          };
          if (c.kind === 'scale-workload')
            return { object: { ...input.object, spec: { ...spec, replicas: (spec.replicas ?? 1) + 1 } }, source: {} };
          const template = spec.template ?? {};
          const labels = { ...template.metadata?.labels, tier: `t${String(n % 3)}` };
          return {
            object: {
              ...input.object,
              spec: { ...spec, template: { ...template, metadata: { ...template.metadata, labels } } },
            },
            source: {},
          };
        });
      });
    case 'add-destination':
      return editCluster(snapshot, c.pick, (objects, n) => {
        const donor = at(ofKind(objects, 'Service'), n)?.object;
        if (donor === undefined) return [...objects];
        const name = `${donor.metadata.name}-copy`;
        if (objects.some((i) => i.object.kind === 'Service' && i.object.metadata.name === name)) return [...objects];
        return [...objects, { object: { ...donor, metadata: { ...donor.metadata, name } }, source: {} }];
      });
    case 'remove-destination':
      return editCluster(snapshot, c.pick, (objects, n) => {
        const target = at(ofKind(objects, 'Service'), n)?.object;
        return objects.filter((input) => input.object !== target);
      });
    case 'settings': {
      const settings = policies('Settings')[0];
      if (settings === undefined) return snapshot;
      const tlsMode = ['ISTIO_MUTUAL', 'DISABLE', 'SIMPLE'][c.variant] ?? 'ISTIO_MUTUAL';
      return replaceMgmt(snapshot, settings, withSpec(settings, { mtls: { istio: { tlsMode } } }));
    }
    case 'virtual-mesh': {
      const virtualMesh = policies('VirtualMesh')[0];
      if (virtualMesh === undefined) return snapshot;
      const spec = virtualMesh.spec as Record<string, unknown>;
      const globalAccessPolicy = c.variant === 0 ? 'DISABLED' : 'ENABLED';
      return replaceMgmt(
        snapshot,
        virtualMesh,
        withSpec(virtualMesh, { ...spec, globalAccessPolicy, ...(c.variant === 2 ? { federation: {} } : {}) }),
      );
    }
  }
}

describe('incremental render', () => {
  it('equals a full render byte for byte after every change of every kind', () => {
    const start = estate();
    const first = renderIncremental(undefined, start);
    assert.equal(bytesOf(first.result), bytesOf(render(start)));
    const recomputed = new Map<string, number>();
    fc.assert(
      fc.property(fc.array(change, { minLength: 1, maxLength: 10 }), (changes) => {
        let snapshot = start;
        let state: RenderState | undefined = first.state;
        let last = first.result;
        for (const c of changes) {
          snapshot = apply(snapshot, c, last);
          const pass = renderIncremental(state, snapshot);
          const full = render(snapshot);
          assert.equal(bytesOf(pass.result), bytesOf(full), `after ${JSON.stringify(c)}`);
          recomputed.set(pass.recomputed, (recomputed.get(pass.recomputed) ?? 0) + 1);
          state = pass.state;
          last = full;
        }
      }),
      { seed: 1703, numRuns: 40, endOnFailure: true },
    );
    // Both paths were taken, the policies-only one most often.
    assert.ok((recomputed.get('policies') ?? 0) > (recomputed.get('networking') ?? 0), JSON.stringify([...recomputed]));
    assert.ok((recomputed.get('networking') ?? 0) > 0);
  });
});

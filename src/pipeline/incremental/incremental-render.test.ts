// Proof of equality: random sequences of changes of every kind, applied to a generated estate the
// way the controller's caches apply them (a changed object is a new object, every other object
// keeps its identity), and after each step the incremental pass equals a full render byte for byte.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { generateEstate, type EstateSize } from '../../../bench/estate.ts';
import { managementObjects } from '../../../bench/estate-policies.ts';
import { OWNER_LABEL } from '../../api/labels.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { InputObject, InputSnapshot } from '../../snapshot/input.ts';
import { render, type RenderResult } from '../render.ts';
import { changedOutputs } from './changed-outputs.ts';
import { renderIncremental, type RenderState } from './incremental-render.ts';

const SIZE: EstateSize = {
  clusters: 3,
  servicesPerCluster: 8,
  workloadsPerService: 2,
  servicesPerNamespace: 4,
  federateEvery: 3,
  mixedMeshes: true,
};

/** A policy on `from` sending 30 % of its traffic to the pods labelled version v1 of `to`. */
function subsetPolicy(name: string, from: ServiceRef, to: ServiceRef): KubeObject {
  return {
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind: 'TrafficPolicy',
    metadata: { name, namespace: 'gloo-mesh', generation: 1 },
    spec: {
      destinationSelector: [{ kubeServiceRefs: { services: [from] } }],
      policy: {
        trafficShift: {
          destinations: [
            { kubeService: { ...to, subset: { version: 'v1' }, port: 8080 }, weight: 30 },
            { kubeService: { ...from, port: 8080 }, weight: 70 },
          ],
        },
      },
    },
  };
}

function estate(): InputSnapshot {
  const generated = generateEstate(SIZE);
  const mgmt = managementObjects(SIZE, 24, 12).map((object): InputObject => ({ object, source: {} }));
  // Subsets required of another Service: in its cluster, and across clusters (svc-5 is federated).
  const required = [
    subsetPolicy(
      'subset-local',
      { name: 'svc-1', namespace: 'ns-0', clusterName: 'cluster-1' },
      { name: 'svc-3', namespace: 'ns-0', clusterName: 'cluster-1' },
    ),
    subsetPolicy(
      'subset-federated',
      { name: 'svc-4', namespace: 'ns-1', clusterName: 'cluster-2' },
      { name: 'svc-5', namespace: 'ns-1', clusterName: 'cluster-1' },
    ),
  ].map((object): InputObject => ({ object, source: {} }));
  return { ...generated, mgmt: [...generated.mgmt, ...mgmt, ...required] };
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
  | { kind: 'add-destination'; pick: number; federated: boolean }
  | { kind: 'remove-destination'; pick: number; federated: boolean }
  | { kind: 'subset-policy'; pick: number; target: number }
  | { kind: 'toggle-shift-target'; pick: number }
  | { kind: 'write-outputs'; pick: number }
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
  // Federated ones: under the VirtualMesh they have outputs in the other Istio clusters too.
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('add-destination' as const), pick, federated: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('remove-destination' as const), pick, federated: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('subset-policy' as const), pick, target: pick }) },
  // The Service a policy shifts traffic to goes, or comes (back): the Destinations that name it change.
  // (few of them, so that one goes and comes back within a sequence)
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('toggle-shift-target' as const), pick: fc.nat(1) }) },
  // The controller's own VirtualServices, written to a cluster, come back through its watch.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('write-outputs' as const), pick }) },
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
const services = (objects: readonly InputObject[], federated: boolean) =>
  ofKind(objects, 'Service').filter((i) => !federated || i.object.metadata.labels?.['federated'] === 'true');

interface ServiceRef {
  readonly name: string;
  readonly namespace: string;
  readonly clusterName: string;
}

const text = (ref: Partial<ServiceRef> | undefined) => JSON.stringify([ref?.name, ref?.namespace, ref?.clusterName]);

/** The Services TrafficPolicies shift traffic to a subset of, from another Service (the one they select by reference). */
function shiftTargets(snapshot: InputSnapshot): ServiceRef[] {
  return snapshot.mgmt.flatMap(({ object }) => {
    if (object.kind !== 'TrafficPolicy') return [];
    const spec = (
      object as {
        spec?: {
          destinationSelector?: { kubeServiceRefs?: { services?: Partial<ServiceRef>[] } }[];
          policy?: {
            trafficShift?: { destinations?: { kubeService?: Partial<ServiceRef> & { subset?: unknown } }[] };
          };
        };
      }
    ).spec;
    const selected = text(spec?.destinationSelector?.[0]?.kubeServiceRefs?.services?.[0]);
    return (spec?.policy?.trafficShift?.destinations ?? []).flatMap(({ kubeService: ref }) =>
      ref?.name === undefined ||
      ref.namespace === undefined ||
      ref.clusterName === undefined ||
      ref.subset === undefined ||
      text(ref) === selected
        ? []
        : [{ name: ref.name, namespace: ref.namespace, clusterName: ref.clusterName }],
    );
  });
}

function editNamedCluster(
  snapshot: InputSnapshot,
  cluster: string,
  edit: (objects: readonly InputObject[]) => InputObject[],
): InputSnapshot {
  const objects = snapshot.clusters.get(cluster);
  if (objects === undefined) return snapshot;
  const clusters = new Map(snapshot.clusters);
  clusters.set(cluster, edit(objects));
  return { ...snapshot, clusters };
}

/** The Services of Istio Destinations (the ones with subsets), as a policy names them. */
function istioServices(last: RenderResult): ServiceRef[] {
  return last.mgmt.flatMap((object) => {
    if (object.kind !== 'Destination') return [];
    const spec = (object as { spec?: { mesh?: { name?: string }; kubeService?: { ref?: Record<string, string> } } })
      .spec;
    const ref = spec?.kubeService?.ref;
    if (spec?.mesh?.name?.startsWith('istiod-') !== true || ref === undefined) return [];
    return [{ name: ref['name'] ?? '', namespace: ref['namespace'] ?? '', clusterName: ref['clusterName'] ?? '' }];
  });
}

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
    case 'write-outputs':
      return editCluster(snapshot, c.pick, (objects) => {
        const cluster = [...snapshot.clusters].find(([, list]) => list === objects)?.[0] ?? '';
        const written = (last.clusters.get(cluster) ?? []).filter((o) => o.kind === 'VirtualService');
        const keep = objects.filter(
          (input) =>
            input.object.kind !== 'VirtualService' || input.object.metadata.labels?.[OWNER_LABEL] === undefined,
        );
        return [...keep, ...written.map((object) => ({ object, source: {} }))];
      });
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
    case 'subset-policy': {
      // A policy on one Istio Service shifting part of its traffic to a subset of another: the
      // other's DestinationRule (in its own cluster, or federated) must carry that subset.
      const istio = istioServices(last);
      const from = at(istio, c.pick);
      const to = at(istio, c.target);
      if (from === undefined || to === undefined) return snapshot;
      const name = `subset-${String(c.pick % 5)}`;
      const policy = subsetPolicy(name, from, to);
      const old = policies('TrafficPolicy').find((p) => p.metadata.name === name);
      return old === undefined
        ? { ...snapshot, mgmt: [...snapshot.mgmt, { object: policy, source: {} }] }
        : replaceMgmt(snapshot, old, withSpec(old, policy.spec));
    }
    case 'toggle-shift-target': {
      const target = at(shiftTargets(snapshot), c.pick);
      if (target === undefined) return snapshot;
      return editNamedCluster(snapshot, target.clusterName, (objects) => {
        const inNamespace = ({ object }: InputObject) =>
          object.kind === 'Service' && object.metadata.namespace === target.namespace;
        const named = (input: InputObject) => inNamespace(input) && input.object.metadata.name === target.name;
        if (objects.some(named)) return objects.filter((input) => !named(input));
        const donor = objects.find(inNamespace)?.object;
        if (donor === undefined) return [...objects];
        return [...objects, { object: { ...donor, metadata: { ...donor.metadata, name: target.name } }, source: {} }];
      });
    }
    case 'add-destination':
      return editCluster(snapshot, c.pick, (objects, n) => {
        const donor = at(services(objects, c.federated), n)?.object;
        if (donor === undefined) return [...objects];
        const name = `${donor.metadata.name}-copy`;
        if (objects.some((i) => i.object.kind === 'Service' && i.object.metadata.name === name)) return [...objects];
        return [...objects, { object: { ...donor, metadata: { ...donor.metadata, name } }, source: {} }];
      });
    case 'remove-destination':
      return editCluster(snapshot, c.pick, (objects, n) => {
        const target = at(services(objects, c.federated), n)?.object;
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

/** Accepted subset policies whose subset is another Service's (not the one they select). */
function acceptedSubsetPolicies(result: RenderResult): number {
  return result.mgmt.filter((object) => {
    if (object.kind !== 'TrafficPolicy' || !object.metadata.name.startsWith('subset-')) return false;
    const { spec, status } = object as {
      spec?: {
        destinationSelector?: { kubeServiceRefs?: { services?: Partial<ServiceRef>[] } }[];
        policy?: { trafficShift?: { destinations?: { kubeService?: Partial<ServiceRef> }[] } };
      };
      status?: { state?: string };
    };
    const text = (ref: Partial<ServiceRef> | undefined) =>
      JSON.stringify([ref?.name, ref?.namespace, ref?.clusterName]);
    const selected = spec?.destinationSelector?.[0]?.kubeServiceRefs?.services?.[0];
    const shifted = spec?.policy?.trafficShift?.destinations?.[0]?.kubeService;
    return status?.state === 'ACCEPTED' && text(selected) !== text(shifted);
  }).length;
}

describe('incremental render', () => {
  it('equals a full render byte for byte after every change of every kind', () => {
    const start = estate();
    const first = renderIncremental(undefined, start);
    assert.equal(bytesOf(first.result), bytesOf(render(start)));
    const recomputed = new Map<string, number>();
    // Destination passes whose outputs changed in more than one cluster: federation reached the others.
    let federatedElsewhere = 0;
    // Subset policies accepted on one Service naming a subset of another.
    let subsetsAccepted = 0;
    // Passes after the controller's own VirtualServices came back through a watch.
    let ownOutputsReadBack = 0;
    fc.assert(
      fc.property(fc.array(change, { minLength: 1, maxLength: 10 }), (changes) => {
        let snapshot = start;
        let state: RenderState | undefined = first.state;
        let last = first.result;
        let previous = first.result;
        for (const c of changes) {
          snapshot = apply(snapshot, c, last);
          const pass = renderIncremental(state, snapshot);
          const full = render(snapshot);
          assert.equal(bytesOf(pass.result), bytesOf(full), `after ${JSON.stringify(c)}`);
          recomputed.set(pass.recomputed, (recomputed.get(pass.recomputed) ?? 0) + 1);
          // Its own outputs coming back change nothing a translator reads: no pass over everything.
          if (c.kind === 'write-outputs') {
            assert.equal(pass.recomputed, 'policies', 'own VirtualServices read back took more than the policies pass');
            ownOutputsReadBack++;
          }
          // Compared with the last incremental pass: what it kept are the same objects.
          if (pass.recomputed === 'destinations' && changedOutputs(previous, pass.result).clusters.size > 1)
            federatedElsewhere++;
          if (c.kind === 'subset-policy') subsetsAccepted += acceptedSubsetPolicies(full);
          previous = pass.result;
          state = pass.state;
          last = full;
        }
      }),
      { seed: 1703, numRuns: 40, endOnFailure: true },
    );
    // Both paths were taken, the policies-only one most often.
    assert.ok((recomputed.get('policies') ?? 0) > (recomputed.get('networking') ?? 0), JSON.stringify([...recomputed]));
    assert.ok((recomputed.get('networking') ?? 0) > 0);
    assert.ok((recomputed.get('destinations') ?? 0) > 0, JSON.stringify([...recomputed]));
    assert.ok(federatedElsewhere > 0, 'no Destination change reached another cluster');
    assert.ok(subsetsAccepted > 0, 'no policy requiring a subset of another Service was accepted');
    assert.ok(ownOutputsReadBack > 0, 'no pass read its own outputs back');
  });
});

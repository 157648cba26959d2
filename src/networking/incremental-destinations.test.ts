// Destinations added, removed or changed under a VirtualMesh with shared trust: the incremental
// pass equals a full one, and keeps a member's IssuedCertificate and PodBounceDirective (the very
// objects) unless something they are written from changed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/meta.ts';
import { updateNetworkingDestinations } from './incremental-destinations.ts';
import type { NetworkingInput } from './model.ts';
import { networkingState, translateNetworking, type NetworkingState } from './networking.ts';
import { destination, gatewayDestination, istioMesh, networkingInput, virtualMesh, workload } from './test-fixtures.ts';

const c1 = istioMesh('c1', { gatewayIp: '172.18.1.200' });
const c2 = istioMesh('c2', { gatewayIp: '172.18.2.200' });
const gateway1 = gatewayDestination(c1, '172.18.1.200');
const reviews = destination('reviews', 'bookinfo', 'c1', { mesh: c1 });

const input = networkingInput({
  meshes: [c1, c2],
  destinations: [
    reviews,
    destination('ratings', 'bookinfo', 'c2', { mesh: c2 }),
    gateway1,
    gatewayDestination(c2, '172.18.2.200'),
  ],
  workloads: [
    workload('reviews-v1', 'bookinfo', 'c1', { labels: { app: 'reviews', version: 'v1' }, mesh: c1 }),
    workload('ratings-v1', 'bookinfo', 'c2', { labels: { app: 'ratings', version: 'v1' }, mesh: c2 }),
  ],
  virtualMeshes: [
    virtualMesh('vm', [c1, c2], {
      mtlsConfig: { autoRestartPods: true, shared: { rootCertificateAuthority: { generated: {} } } },
      federation: { selectors: [{}], eastWestIngressGatewaySelectors: [] },
    }),
  ],
});

const TRUST_KINDS = new Set(['IssuedCertificate', 'PodBounceDirective']);

function trustObjects(state: NetworkingState, cluster: string): KubeObject[] {
  return (state.outputs.get(cluster) ?? []).filter((o) => TRUST_KINDS.has(o.kind));
}

/** Each member's shared trust as the pass computed or kept it (the translation's part kept from pass to pass). */
function keptTrust(state: NetworkingState, cluster: string) {
  const found = [...state.memberTranslations].filter(([key]) => key.endsWith(`istiod-istio-system-${cluster}`));
  assert.equal(found.length, 1, `one member translation for ${cluster}`);
  return found[0]?.[1].kept;
}

function assertEqualsFullPass(state: NetworkingState, next: NetworkingInput): void {
  const full = translateNetworking(next);
  assert.equal(
    JSON.stringify({ ...state.result, outputs: [...state.outputs] }),
    JSON.stringify({ ...full, outputs: [...full.outputs] }),
  );
}

describe('Destinations changed under a VirtualMesh with shared trust', () => {
  it('keeps every member’s trust objects when a plain Destination comes and goes', () => {
    const before = networkingState(input);
    assert.equal(trustObjects(before, 'c1').length, 2, 'an IssuedCertificate and a PodBounceDirective');
    const added = {
      ...input,
      destinations: [...input.destinations, destination('details', 'bookinfo', 'c1', { mesh: c1 })],
    };
    const after = updateNetworkingDestinations(before, added);
    assertEqualsFullPass(after, added);
    for (const cluster of ['c1', 'c2']) {
      const was = trustObjects(before, cluster);
      const is = trustObjects(after, cluster);
      assert.equal(is.length, was.length);
      is.forEach((object, i) => {
        assert.equal(object, was[i], `${object.kind} of ${cluster} kept`);
      });
    }
    assert.equal(keptTrust(after, 'c1'), keptTrust(before, 'c1'), 'not computed again');
    assert.equal(keptTrust(after, 'c2'), keptTrust(before, 'c2'), 'not computed again');
    const removed = { ...added, destinations: added.destinations.filter((d) => d !== reviews) };
    const again = updateNetworkingDestinations(after, removed);
    assertEqualsFullPass(again, removed);
    trustObjects(again, 'c1').forEach((object, i) => {
      assert.equal(object, trustObjects(before, 'c1')[i]);
    });
  });

  it('writes the PodBounceDirective again when a member’s east-west gateway changes', () => {
    const before = networkingState(input);
    const kube = gateway1.spec.kubeService;
    assert.ok(kube !== undefined);
    const relabelled = {
      ...gateway1,
      spec: { ...gateway1.spec, kubeService: { ...kube, workloadSelectorLabels: { istio: 'eastwest-2' } } },
    };
    const changed = { ...input, destinations: input.destinations.map((d) => (d === gateway1 ? relabelled : d)) };
    const after = updateNetworkingDestinations(before, changed);
    assertEqualsFullPass(after, changed);
    const bounce = trustObjects(after, 'c1').find((o) => o.kind === 'PodBounceDirective');
    assert.notEqual(
      bounce,
      trustObjects(before, 'c1').find((o) => o.kind === 'PodBounceDirective'),
    );
    assert.match(JSON.stringify(bounce), /eastwest-2/);
    assert.notEqual(keptTrust(after, 'c1'), keptTrust(before, 'c1'), 'computed again');
    assert.equal(keptTrust(after, 'c2'), keptTrust(before, 'c2'), 'not computed again');
    // The other member's gateway is the same: its objects are kept.
    trustObjects(after, 'c2').forEach((object, i) => {
      assert.equal(object, trustObjects(before, 'c2')[i]);
    });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/meta.ts';
import { toCanonicalYamlStream } from '../snapshot/yaml.ts';
import type { NetworkingInput, NetworkingResult, VirtualDestination } from './model.ts';
import { translateNetworking } from './networking.ts';
import {
  destination,
  gatewayDestination,
  istioMesh,
  linkerdMesh,
  networkingInput,
  NS,
  serviceRef,
  trafficPolicy,
  virtualMesh,
  workload,
} from './test-fixtures.ts';

const c1 = istioMesh('c1', { gatewayIp: '172.18.1.200' });
const c2 = istioMesh('c2', { gatewayIp: '172.18.2.200' });
const c3 = istioMesh('c3', { gatewayIp: '172.18.3.200' });

function names(result: NetworkingResult, cluster: string): string[] {
  return (result.outputs.get(cluster) ?? []).map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
}

function find(result: NetworkingResult, cluster: string, kind: string, name: string): KubeObject & { spec: unknown } {
  const found = (result.outputs.get(cluster) ?? []).find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind} ${name} in ${cluster}; have ${names(result, cluster).join(', ')}`);
  return found as KubeObject & { spec: unknown };
}

function federationInput(parts: Partial<NetworkingInput> = {}): NetworkingInput {
  return networkingInput({
    meshes: [c1, c2, c3],
    destinations: [
      destination('reviews', 'bookinfo', 'c1', { mesh: c1 }),
      destination('reviews', 'bookinfo', 'c2', { mesh: c2 }),
      destination('ratings', 'bookinfo', 'c3', { mesh: c3 }),
      gatewayDestination(c1, '172.18.1.200'),
      gatewayDestination(c2, '172.18.2.200'),
      gatewayDestination(c3, '172.18.3.200'),
    ],
    workloads: [
      workload('reviews-v1', 'bookinfo', 'c1', { labels: { app: 'reviews', version: 'v1' }, mesh: c1 }),
      workload('reviews-v2', 'bookinfo', 'c2', { labels: { app: 'reviews', version: 'v2' }, mesh: c2 }),
    ],
    virtualMeshes: [virtualMesh('vm', [c1, c2, c3], { federation: { selectors: [{}] } })],
    ...parts,
  });
}

describe('VirtualMesh membership', () => {
  it('gives a Mesh to the oldest VirtualMesh and reports the others per Mesh', () => {
    const result = translateNetworking(
      networkingInput({
        meshes: [c1, c2, linkerdMesh('c9')],
        virtualMeshes: [
          virtualMesh('b-newer', [c1], {}, '2026-05-01T00:00:00Z'),
          virtualMesh('z-older', [c1, c2], {}, '2026-01-01T00:00:00Z'),
          virtualMesh('a-undated', [c2, linkerdMesh('c9'), istioMesh('nowhere')]),
        ],
      }),
    );
    const [newer, older, undated] = result.virtualMeshes;
    assert.equal(older?.status?.state, 'ACCEPTED');
    assert.equal(newer?.status?.state, 'INVALID');
    assert.match(
      newer.status.meshes?.['istiod-istio-system-c1.gloo-mesh.']?.errors?.[0] ?? '',
      /already belongs to VirtualMesh gloo-mesh\/z-older, which is older/,
    );
    const meshes = undated?.status?.meshes ?? {};
    assert.equal(meshes['istiod-istio-system-c2.gloo-mesh.']?.state, 'INVALID');
    // Linkerd meshes join (their translator reports what Linkerd cannot do).
    assert.equal(meshes['linkerd-destination-linkerd-c9.gloo-mesh.']?.state, 'ACCEPTED');
    assert.match(meshes['istiod-istio-system-nowhere.gloo-mesh.']?.errors?.[0] ?? '', /was not discovered/);
    assert.equal(result.meshes[0]?.status?.appliedVirtualMesh?.ref?.name, 'z-older');
  });

  it('rejects limited trust and Vault intermediates on every Mesh', () => {
    const result = translateNetworking(
      networkingInput({ meshes: [c1], virtualMeshes: [virtualMesh('vm', [c1], { mtlsConfig: { limited: {} } })] }),
    );
    const status = result.virtualMeshes[0]?.status;
    assert.equal(status?.state, 'INVALID');
    assert.match(status.errors?.[0] ?? '', /limited trust is not supported/);
    assert.equal(status.meshes?.['istiod-istio-system-c1.gloo-mesh.']?.state, 'INVALID');
    assert.equal(result.meshes[0]?.status?.appliedVirtualMesh, undefined);
  });
});

describe('federation', () => {
  it('writes a ServiceEntry and DestinationRule per other mesh, and a Gateway per member mesh', () => {
    const result = translateNetworking(federationInput());
    const entry = find(result, 'c2', 'ServiceEntry', 'reviews.bookinfo.svc.c1.global');
    assert.equal(entry.metadata.namespace, 'istio-system');
    assert.equal(entry.metadata.annotations?.['federation.networking.mesh.gloo.solo.io'], 'reviews.bookinfo.c1');
    const spec = entry.spec as { endpoints: { address: string; ports: Record<string, number>; labels?: unknown }[] };
    assert.deepEqual(spec.endpoints, [
      { address: '172.18.1.200', ports: { 'http-9080': 15443 }, labels: { app: 'reviews', version: 'v1' } },
    ]);
    assert.deepEqual(
      (find(result, 'c3', 'DestinationRule', 'reviews-bookinfo-c1').spec as { trafficPolicy: unknown }).trafficPolicy,
      { tls: { mode: 'ISTIO_MUTUAL' } },
    );
    assert.ok(names(result, 'c1').includes('Gateway istio-system/istio-eastwestgateway-istio-system-c1-gloo-mesh'));
    // The gateway itself is the way in, not a federated Destination.
    assert.ok(!names(result, 'c2').some((n) => n.includes('istio-eastwestgateway.istio-system.svc.c1.global')));
    const federated = result.destinations.find((d) => d.metadata.name === 'reviews-bookinfo-c1');
    assert.deepEqual(
      federated?.status?.appliedFederation?.federatedToMeshes?.map((m) => m.name),
      ['istiod-istio-system-c2', 'istiod-istio-system-c3'],
    );
  });

  it('limits what goes where by selectors, and keeps permissive for the deprecated mode', () => {
    const limited = translateNetworking(
      federationInput({
        virtualMeshes: [
          virtualMesh('vm', [c1, c2, c3], {
            federation: {
              selectors: [
                {
                  destinationSelectors: [{ kubeServiceMatcher: { labels: { app: 'reviews' } } }],
                  meshes: [{ name: c3.metadata.name, namespace: NS }],
                },
              ],
            },
          }),
        ],
      }),
    );
    assert.ok(names(limited, 'c3').includes('ServiceEntry istio-system/reviews.bookinfo.svc.c1.global'));
    assert.ok(!names(limited, 'c2').some((n) => n.includes('svc.c1.global')));
    assert.ok(!names(limited, 'c1').some((n) => n.includes('ratings.bookinfo.svc.c3.global')));
    const permissive = translateNetworking(
      federationInput({ virtualMeshes: [virtualMesh('vm', [c1, c2, c3], { federation: { permissive: {} } })] }),
    );
    assert.ok(names(permissive, 'c1').includes('ServiceEntry istio-system/ratings.bookinfo.svc.c3.global'));
    const none = translateNetworking(federationInput({ virtualMeshes: [virtualMesh('vm', [c1, c2, c3])] }));
    assert.ok(!names(none, 'c1').some((n) => n.includes('.global')));
  });

  it('writes the VirtualService of a federated host only where TrafficPolicies shape its routes', () => {
    const result = translateNetworking(
      federationInput({
        trafficPolicies: [
          trafficPolicy('timeout-from-c3', {
            destinationSelector: [serviceRef('reviews', 'bookinfo', 'c1')],
            sourceSelector: [{ kubeWorkloadMatcher: { clusters: ['c3'] } }],
            policy: { requestTimeout: '2s' },
          }),
        ],
      }),
    );
    const vs = find(result, 'c3', 'VirtualService', 'reviews-bookinfo-c1');
    assert.deepEqual((vs.spec as { hosts: string[] }).hosts, ['reviews.bookinfo.svc.c1.global']);
    assert.ok(!names(result, 'c2').some((n) => n.startsWith('VirtualService')));
    assert.ok(!names(result, 'c1').some((n) => n === 'VirtualService bookinfo/reviews'));
    assert.equal(result.trafficPolicies[0]?.status?.state, 'ACCEPTED');
  });

  it('needs smart DNS for a custom hostname suffix and reports meshes without a gateway', () => {
    const noDns = istioMesh('c2', { gatewayIp: '172.18.2.200', smartDns: false });
    const noGateway = istioMesh('c3');
    const result = translateNetworking(
      federationInput({
        meshes: [c1, noDns, noGateway],
        destinations: [
          destination('reviews', 'bookinfo', 'c1', { mesh: c1 }),
          destination('reviews', 'bookinfo', 'c2', { mesh: noDns }),
          destination('ratings', 'bookinfo', 'c3', { mesh: noGateway }),
          gatewayDestination(c1, '172.18.1.200'),
          gatewayDestination(noDns, '172.18.2.200'),
        ],
        virtualMeshes: [
          virtualMesh('vm', [c1, noDns, noGateway], {
            federation: { selectors: [{}], hostnameSuffix: 'mesh.internal' },
          }),
        ],
      }),
    );
    assert.ok(names(result, 'c1').includes('ServiceEntry istio-system/reviews.bookinfo.svc.c2.mesh.internal'));
    assert.ok(!names(result, 'c2').some((n) => n.startsWith('ServiceEntry istio-system/reviews.bookinfo.svc.c1')));
    const meshes = result.virtualMeshes[0]?.status?.meshes ?? {};
    assert.match(meshes['istiod-istio-system-c2.gloo-mesh.']?.warnings?.[0] ?? '', /needs Istio's smart DNS proxying/);
    assert.equal(meshes['istiod-istio-system-c3.gloo-mesh.']?.state, 'FAILED');
    assert.match(meshes['istiod-istio-system-c3.gloo-mesh.'].errors?.[0] ?? '', /no east-west ingress gateway/);
  });

  it('points federated hosts at the pods on a flat network, with no gateway', () => {
    const reviews = destination('reviews', 'bookinfo', 'c1', { mesh: c1 });
    const withPods = {
      ...reviews,
      spec: {
        ...reviews.spec,
        kubeService: {
          ...reviews.spec.kubeService,
          endpointSubsets: [
            {
              endpoints: [{ ipAddress: '10.1.0.7', labels: { app: 'reviews', version: 'v1' } }],
              ports: [{ name: 'http-9080', port: 9081 }],
            },
          ],
        },
      },
    };
    const result = translateNetworking(
      federationInput({
        destinations: [withPods, destination('reviews', 'bookinfo', 'c2', { mesh: c2 })],
        virtualMeshes: [virtualMesh('vm', [c1, c2], { federation: { selectors: [{}], flatNetwork: true } })],
      }),
    );
    const entry = find(result, 'c2', 'ServiceEntry', 'reviews.bookinfo.svc.c1.global').spec as { endpoints: unknown };
    assert.deepEqual(entry.endpoints, [
      { address: '10.1.0.7', ports: { 'http-9080': 9081 }, labels: { app: 'reviews', version: 'v1' } },
    ]);
    assert.ok(!names(result, 'c1').some((n) => n.startsWith('Gateway') || n.includes('svc.c1.global')));
    assert.equal(result.destinations[0]?.status?.appliedFederation?.flatNetwork, true);
  });

  it('is deterministic: the same input in another order gives byte-identical outputs', () => {
    const input = federationInput({
      virtualMeshes: [
        virtualMesh('vm', [c1, c2, c3], { federation: { selectors: [{}] }, globalAccessPolicy: 'ENABLED' }),
      ],
    });
    const shuffled: NetworkingInput = {
      ...input,
      meshes: [...input.meshes].reverse(),
      destinations: [...input.destinations].reverse(),
      workloads: [...input.workloads].reverse(),
    };
    const render = (result: NetworkingResult) =>
      [...result.outputs.entries()]
        .map(([cluster, objects]) => `${cluster}\n${toCanonicalYamlStream(objects)}`)
        .join('\n');
    assert.equal(render(translateNetworking(shuffled)), render(translateNetworking(input)));
  });
});

describe('global access policy', () => {
  it('puts each member mesh into default deny and keeps its gateways open', () => {
    const result = translateNetworking(
      federationInput({ virtualMeshes: [virtualMesh('vm', [c1, c2], { globalAccessPolicy: 'ENABLED' })] }),
    );
    const deny = find(result, 'c1', 'AuthorizationPolicy', 'global-access-control');
    assert.equal(deny.metadata.namespace, 'istio-system');
    assert.deepEqual(deny.spec, {});
    const allow = find(result, 'c1', 'AuthorizationPolicy', 'allow-ingress-gateway-istio-eastwestgateway-istio-system');
    assert.deepEqual(allow.spec, {
      selector: { matchLabels: { istio: 'eastwestgateway' } },
      action: 'ALLOW',
      rules: [{}],
    });
    assert.ok(!names(result, 'c3').some((n) => n.startsWith('AuthorizationPolicy')));
  });
});

describe('VirtualDestination', () => {
  function vd(name: string, spec: VirtualDestination['spec']): VirtualDestination {
    return {
      apiVersion: 'networking.enterprise.mesh.gloo.solo.io/v1beta1',
      kind: 'VirtualDestination',
      metadata: { name, namespace: NS, generation: 1 },
      spec,
    };
  }
  const staticOrder = vd('reviews', {
    hostname: 'reviews.global',
    port: { number: 9080, targetNumber: 9080 },
    virtualMesh: { name: 'vm', namespace: NS },
    static: {
      destinations: [
        { kubeService: { name: 'reviews', namespace: 'bookinfo', clusterName: 'c2' } },
        { kubeService: { name: 'reviews', namespace: 'bookinfo', clusterName: 'c1' } },
      ],
    },
  });

  it('orders a static list with failoverPriority labels and routes remote entries by a gateway-only SNI', () => {
    const result = translateNetworking(federationInput({ virtualDestinations: [staticOrder] }));
    const entry = find(result, 'c3', 'ServiceEntry', 'reviews.global').spec as {
      endpoints: { address: string; labels?: Record<string, string> }[];
    };
    assert.deepEqual(
      entry.endpoints.map((e) => [e.address, e.labels]),
      [
        ['172.18.1.200', undefined],
        ['172.18.2.200', { 'failover.meshhub.dev/before-1': 'true' }],
      ],
    );
    const rule = find(result, 'c3', 'DestinationRule', 'reviews.global').spec as {
      trafficPolicy: { tls: { sni: string }; loadBalancer: { localityLbSetting: unknown } };
    };
    assert.equal(rule.trafficPolicy.tls.sni, 'outbound_.9080_._.reviews.gloo-mesh.virtualdestination.global');
    assert.deepEqual(rule.trafficPolicy.loadBalancer.localityLbSetting, {
      enabled: true,
      failoverPriority: ['failover.meshhub.dev/before-1=true'],
    });
    assert.ok(names(result, 'c2').includes('ServiceEntry istio-system/reviews.gloo-mesh.virtualdestination.global'));
    assert.equal(result.virtualDestinations[0]?.status?.state, 'ACCEPTED');
    assert.equal(result.meshes[2]?.status?.appliedVirtualDestinations?.[0]?.ref?.name, 'reviews');
  });

  it('reports invalid VirtualDestinations and writes nothing for them', () => {
    const bad = vd('bad', {
      hostname: 'ratings.global',
      port: { number: 9080 },
      virtualMesh: { name: 'missing', namespace: NS },
      localized: { destinationSelectors: [{ kubeServiceMatcher: { labels: { app: 'reviews' } } }] },
    });
    const result = translateNetworking(federationInput({ virtualDestinations: [bad] }));
    const status = result.virtualDestinations[0]?.status;
    assert.equal(status?.state, 'INVALID');
    assert.deepEqual(status.errors, [
      'spec.port: set targetName or targetNumber, the port of the backing Services',
      'spec.virtualMesh: no VirtualMesh gloo-mesh/missing',
      'spec.localized.destinationSelectors: Destination gloo-mesh/reviews-bookinfo-c1 is in Mesh gloo-mesh/istiod-istio-system-c1, which is not grouped with the exported Meshes in one VirtualMesh',
      'spec.localized.destinationSelectors: Destination gloo-mesh/reviews-bookinfo-c2 is in Mesh gloo-mesh/istiod-istio-system-c2, which is not grouped with the exported Meshes in one VirtualMesh',
    ]);
    assert.ok(![...result.outputs.values()].flat().some((o) => o.metadata.name === 'ratings.global'));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toCanonicalYamlStream } from '../snapshot/yaml.ts';
import { canonicalJson } from './canonical-json.ts';
import type { NetworkingInput, NetworkingResult } from './model.ts';
import { translateNetworking } from './networking.ts';
import {
  accessPolicy,
  destination,
  istioMesh,
  linkerdMesh,
  networkingInput,
  serviceRef,
  trafficPolicy,
  workload,
} from './test-fixtures.ts';

const c1 = istioMesh('c1');
const c2 = istioMesh('c2', { version: '1.20.1' });
const linkerd = linkerdMesh('c3');

function sampleInput(): NetworkingInput {
  return networkingInput({
    meshes: [c1, c2, linkerd],
    destinations: [
      destination('reviews', 'bookinfo', 'c1'),
      destination('reviews', 'bookinfo', 'c2'),
      destination('ratings', 'bookinfo', 'c1'),
      destination('emoji', 'emojivoto', 'c3', { mesh: linkerd }),
    ],
    workloads: [
      workload('reviews-v1', 'bookinfo', 'c1', { labels: { app: 'reviews', version: 'v1' } }),
      workload('reviews-v3', 'bookinfo', 'c2', { labels: { app: 'reviews', version: 'v3' }, mesh: c2 }),
      workload('productpage-v1', 'bookinfo', 'c1', {
        labels: { app: 'productpage' },
        serviceAccount: 'bookinfo-productpage',
      }),
    ],
    trafficPolicies: [
      trafficPolicy('b-timeout', {
        destinationSelector: [serviceRef('reviews', 'bookinfo', 'c1')],
        policy: { requestTimeout: '9s' },
      }),
      trafficPolicy('a-timeout', {
        destinationSelector: [serviceRef('reviews', 'bookinfo', 'c1')],
        policy: { requestTimeout: '5s' },
      }),
      trafficPolicy('shift', {
        destinationSelector: [serviceRef('reviews', 'bookinfo', 'c1')],
        httpRequestMatchers: [{ headers: [{ name: 'x-v3', value: '1' }] }],
        policy: {
          trafficShift: {
            destinations: [
              { kubeService: { name: 'reviews', namespace: 'bookinfo', clusterName: 'c2', subset: { version: 'v3' } } },
            ],
          },
        },
      }),
      trafficPolicy('everywhere', { policy: { retries: { attempts: 2 } } }),
    ],
    accessPolicies: [
      accessPolicy('productpage-only', {
        sourceSelector: [
          {
            kubeServiceAccountRefs: {
              serviceAccounts: [{ name: 'bookinfo-productpage', namespace: 'bookinfo', clusterName: 'c1' }],
            },
          },
        ],
        destinationSelector: [{ kubeServiceMatcher: { labels: { app: 'reviews' } } }],
      }),
    ],
  });
}

function reversed(input: NetworkingInput): NetworkingInput {
  return {
    ...input,
    meshes: [...input.meshes].reverse(),
    destinations: [...input.destinations].reverse(),
    workloads: [...input.workloads].reverse(),
    trafficPolicies: [...input.trafficPolicies].reverse(),
    accessPolicies: [...input.accessPolicies].reverse(),
  };
}

function rendered(result: NetworkingResult): string {
  const byName = <T extends { metadata: { name: string } }>(list: readonly T[]) =>
    [...list].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  return toCanonicalYamlStream([
    ...[...result.outputs.entries()].flatMap(([cluster, objects]) => [cluster, ...objects]),
    ...byName(result.trafficPolicies),
    ...byName(result.accessPolicies),
    ...byName(result.destinations),
  ]);
}

const statusOf = (result: NetworkingResult, name: string) =>
  result.trafficPolicies.find((p) => p.metadata.name === name)?.status;

describe('translateNetworking', () => {
  it('gives the same output for the same input, whatever the order of the input lists', () => {
    const first = rendered(translateNetworking(sampleInput()));
    assert.equal(rendered(translateNetworking(sampleInput())), first);
    assert.equal(rendered(translateNetworking(reversed(sampleInput()))), first);
  });

  it('lets the first policy by key keep a contested field and rejects the other on that Destination only', () => {
    const result = translateNetworking(sampleInput());
    assert.equal(statusOf(result, 'a-timeout')?.state, 'ACCEPTED');
    const b = statusOf(result, 'b-timeout');
    assert.equal(b?.state, 'INVALID');
    assert.match(
      b.destinations?.['reviews-bookinfo-c1.gloo-mesh.']?.errors?.[0] ?? '',
      /requestTimeout .* gloo-mesh\/a-timeout/,
    );
    const vs = result.outputs.get('c1')?.find((o) => o.kind === 'VirtualService' && o.metadata.name === 'reviews') as
      { spec: { http: { timeout?: string }[] } } | undefined;
    assert.ok(vs?.spec.http.some((r) => r.timeout === '5s'));
    assert.ok(!vs?.spec.http.some((r) => r.timeout === '9s'));
  });

  it('keeps a field with the policy that holds it according to the previous status', () => {
    const input = sampleInput();
    const previous = {
      observedGeneration: 1,
      destinations: { 'reviews-bookinfo-c1.gloo-mesh.': { state: 'ACCEPTED' as const, acceptanceOrder: 0 } },
    };
    const result = translateNetworking({
      ...input,
      trafficPolicies: input.trafficPolicies.map((p) =>
        p.metadata.name === 'b-timeout' ? { ...p, status: previous } : p,
      ),
    });
    assert.equal(statusOf(result, 'b-timeout')?.state, 'ACCEPTED');
    assert.equal(statusOf(result, 'a-timeout')?.state, 'INVALID');
  });

  it('routes a shift to another cluster to the federated host and defines the subset in the target cluster', () => {
    const result = translateNetworking(sampleInput());
    const vs = result.outputs.get('c1')?.find((o) => o.kind === 'VirtualService' && o.metadata.name === 'reviews');
    assert.match(
      canonicalJson(vs),
      /"host":"reviews\.bookinfo\.svc\.c2\.global","port":\{"number":9080\},"subset":"version-v3"/,
    );
    const dr = result.outputs.get('c2')?.find((o) => o.kind === 'DestinationRule' && o.metadata.name === 'reviews');
    assert.equal(dr?.apiVersion, 'networking.istio.io/v1beta1');
    assert.match(canonicalJson(dr), /"subsets":\[\{"labels":\{"version":"v3"\},"name":"version-v3"\}\]/);
    const target = result.destinations.find((d) => d.metadata.name === 'reviews-bookinfo-c2');
    assert.equal(target?.status?.requiredSubsets?.[0]?.trafficPolicyRef?.name, 'shift');
  });

  it('hands a Linkerd Destination to the Linkerd translator, which writes its HTTPRoutes', () => {
    const result = translateNetworking(sampleInput());
    const everywhere = statusOf(result, 'everywhere');
    assert.equal(everywhere?.destinations?.['emoji-emojivoto-c3.gloo-mesh.']?.state, 'ACCEPTED');
    assert.deepEqual(
      result.outputs.get('c3')?.map((o) => `${o.kind} ${o.metadata.name}`),
      ['HTTPRoute emoji-retry-2'],
    );
  });

  it('lists the applied policies on each Destination in claiming order, only the accepted ones', () => {
    const result = translateNetworking(sampleInput());
    const reviews = result.destinations.find((d) => d.metadata.name === 'reviews-bookinfo-c1');
    assert.deepEqual(
      reviews?.status?.appliedTrafficPolicies?.map((p) => p.ref?.name),
      ['a-timeout', 'everywhere', 'shift'],
    );
    assert.deepEqual(
      reviews.status.appliedAccessPolicies?.map((p) => p.ref?.name),
      ['productpage-only'],
    );
    assert.equal(reviews.status.localFqdn, 'reviews.bookinfo.svc.cluster.local');
  });

  it('lists the source workloads of an access policy, and "*" for a policy with no source selector', () => {
    const result = translateNetworking(sampleInput());
    assert.deepEqual(result.accessPolicies[0]?.status?.workloads, ['productpage-v1-bookinfo-c1-deployment.gloo-mesh.']);
    assert.deepEqual(statusOf(result, 'a-timeout')?.workloads, ['*']);
  });

  it('writes a DestinationRule with the default mTLS mode for every Istio Destination, even without policies', () => {
    const result = translateNetworking(
      networkingInput({ meshes: [c1], destinations: [destination('lonely', 'ns', 'c1')] }),
    );
    const objects = result.outputs.get('c1') ?? [];
    assert.deepEqual(
      objects.map((o) => o.kind),
      ['DestinationRule'],
    );
    assert.match(canonicalJson(objects[0]), /"tls":\{"mode":"ISTIO_MUTUAL"\}/);
  });
});

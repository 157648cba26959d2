import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../api/meta.ts';
import { translateNetworking } from '../../networking.ts';
import {
  accessPolicy,
  destination,
  istioMesh,
  linkerdMesh,
  networkingInput,
  serviceRef,
  trafficPolicy,
  virtualMesh,
  workload,
} from '../../test-fixtures.ts';
import type { NetworkingInput } from '../../model.ts';

const mesh = linkerdMesh('east');
const web = destination('web-svc', 'emojivoto', 'east', { mesh, ports: [80] });
const webV2 = destination('web-svc-v2', 'emojivoto', 'east', { mesh, ports: [80] });
const istio = istioMesh('west');
const reviews = destination('reviews', 'bookinfo', 'west', { mesh: istio });

function run(parts: Partial<NetworkingInput>) {
  const result = translateNetworking(
    networkingInput({
      meshes: [mesh, istio],
      destinations: [web, webV2, reviews],
      workloads: [workload('vote-bot', 'emojivoto', 'east', { mesh })],
      ...parts,
    }),
  );
  const objects = result.outputs.get('east') ?? [];
  const find = (kind: string, name: string): KubeObject | undefined =>
    objects.find((o) => o.kind === kind && o.metadata.name === name);
  const statusOn = (policy: { metadata: { name: string } }, key: string) => {
    const all = [...result.trafficPolicies, ...result.accessPolicies];
    return all.find((p) => p.metadata.name === policy.metadata.name)?.status?.destinations?.[key];
  };
  return { result, objects, find, statusOn };
}

const WEB = 'web-svc-emojivoto-east.gloo-mesh.';
const spec = (object: KubeObject | undefined) => (object as { spec?: unknown } | undefined)?.spec;

describe('linkerdTranslator: TrafficPolicies', () => {
  it('writes timeouts on rules and retries on a route of their own, with a default rule to the Service', () => {
    const policy = trafficPolicy('api-timeouts', {
      destinationSelector: [serviceRef('web-svc', 'emojivoto', 'east')],
      httpRequestMatchers: [{ uri: { prefix: '/api' } }],
      policy: { requestTimeout: '3s', retries: { attempts: 2, perTryTimeout: '500ms' } },
    });
    const { find, statusOn } = run({ trafficPolicies: [policy] });
    assert.equal(statusOn(policy, WEB)?.state, 'ACCEPTED');
    const retried = find('HTTPRoute', 'web-svc-retry-2-500ms');
    const annotations = retried?.metadata.annotations ?? {};
    assert.deepEqual(
      ['limit', 'timeout', 'http'].map((k) => annotations[`retry.linkerd.io/${k}`]),
      ['2', '500ms', '5xx'],
    );
    assert.deepEqual(spec(retried), {
      parentRefs: [{ group: '', kind: 'Service', name: 'web-svc' }],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
          backendRefs: [{ group: '', kind: 'Service', name: 'web-svc', port: 80, weight: 1 }],
          timeouts: { request: '3s' },
        },
      ],
    });
    // Every other request still reaches the Service: Linkerd has no default route once routes exist.
    assert.deepEqual(spec(find('HTTPRoute', 'web-svc')), {
      parentRefs: [{ group: '', kind: 'Service', name: 'web-svc' }],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [{ group: '', kind: 'Service', name: 'web-svc', port: 80, weight: 1 }],
        },
      ],
    });
  });

  it('shifts by weight to Services of the same cluster', () => {
    const policy = trafficPolicy('canary', {
      destinationSelector: [serviceRef('web-svc', 'emojivoto', 'east')],
      policy: {
        trafficShift: {
          destinations: [
            { kubeService: { name: 'web-svc', namespace: 'emojivoto', clusterName: 'east' }, weight: 90 },
            { kubeService: { name: 'web-svc-v2', namespace: 'emojivoto', clusterName: 'east' }, weight: 10 },
          ],
        },
      },
    });
    const { find, statusOn } = run({ trafficPolicies: [policy] });
    assert.equal(statusOn(policy, WEB)?.state, 'ACCEPTED');
    assert.deepEqual(spec(find('HTTPRoute', 'web-svc')), {
      parentRefs: [{ group: '', kind: 'Service', name: 'web-svc' }],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [
            { group: '', kind: 'Service', name: 'web-svc', port: 80, weight: 90 },
            { group: '', kind: 'Service', name: 'web-svc-v2', port: 80, weight: 10 },
          ],
        },
      ],
    });
  });

  it('rejects on Linkerd, and only there, what Linkerd cannot express, naming the field and the mesh', () => {
    const faults = trafficPolicy('faults', {
      destinationSelector: [serviceRef('web-svc', 'emojivoto', 'east'), serviceRef('reviews', 'bookinfo', 'west')],
      policy: { faultInjection: { abort: { httpStatus: 500 } }, requestTimeout: '1s' },
    });
    const subset = trafficPolicy('subset', {
      destinationSelector: [serviceRef('web-svc', 'emojivoto', 'east')],
      policy: {
        trafficShift: {
          destinations: [{ kubeService: { name: 'web-svc', namespace: 'emojivoto', subset: { version: 'v2' } } }],
        },
      },
    });
    const remote = trafficPolicy('remote', {
      destinationSelector: [serviceRef('web-svc', 'emojivoto', 'east')],
      policy: {
        trafficShift: {
          destinations: [{ kubeService: { name: 'reviews', namespace: 'bookinfo', clusterName: 'west' } }],
        },
      },
    });
    const sources = trafficPolicy('sources', {
      destinationSelector: [serviceRef('web-svc', 'emojivoto', 'east')],
      sourceSelector: [{ kubeWorkloadMatcher: { labels: { app: 'vote-bot' } } }],
      policy: { requestTimeout: '1s' },
    });
    const { objects, statusOn } = run({ trafficPolicies: [faults, subset, remote, sources] });
    assert.deepEqual(statusOn(faults, WEB), {
      state: 'INVALID',
      errors: ['spec.policy.faultInjection: not supported for Linkerd Destinations (Linkerd has no fault injection)'],
    });
    assert.equal(statusOn(faults, 'reviews-bookinfo-west.gloo-mesh.')?.state, 'ACCEPTED');
    assert.match(
      statusOn(subset, WEB)?.errors?.[0] ?? '',
      /^spec\.policy\.trafficShift\.destinations\[0\]\.kubeService\.subset: not supported for Linkerd/,
    );
    assert.deepEqual(statusOn(remote, WEB)?.errors, [
      'spec.policy.trafficShift.destinations[0].kubeService: Service bookinfo/reviews in cluster west has no Linkerd mirror in cluster east (expected Service bookinfo/reviews-west, kept by a Link to cluster west)',
    ]);
    assert.match(
      statusOn(sources, WEB)?.errors?.[0] ?? '',
      /^spec\.sourceSelector: not supported for Linkerd Destinations/,
    );
    assert.deepEqual(objects, []);
  });

  it('reports two policies setting one field of one rule as a conflict', () => {
    const first = trafficPolicy('a-first', {
      destinationSelector: [serviceRef('web-svc', 'emojivoto', 'east')],
      policy: { requestTimeout: '1s' },
    });
    const second = trafficPolicy('b-second', {
      destinationSelector: [serviceRef('web-svc', 'emojivoto', 'east')],
      policy: { requestTimeout: '2s' },
    });
    const { statusOn } = run({ trafficPolicies: [first, second] });
    assert.equal(statusOn(first, WEB)?.state, 'ACCEPTED');
    assert.equal(statusOn(second, WEB)?.state, 'INVALID');
    assert.match(
      statusOn(second, WEB)?.errors?.[0] ?? '',
      /^conflict: policy\.requestTimeout on the HTTPRoute rule for path PathPrefix \//,
    );
  });
});

describe('linkerdTranslator: AccessPolicies', () => {
  it('allows exactly the named identities through a Server, an AuthorizationPolicy and a MeshTLSAuthentication', () => {
    const policy = accessPolicy('bot-to-web', {
      destinationSelector: [serviceRef('web-svc', 'emojivoto', 'east')],
      sourceSelector: [
        {
          kubeServiceAccountRefs: {
            serviceAccounts: [{ name: 'vote-bot', namespace: 'emojivoto', clusterName: 'east' }],
          },
        },
      ],
    });
    const { find, statusOn } = run({ accessPolicies: [policy] });
    assert.equal(statusOn(policy, WEB)?.state, 'ACCEPTED');
    assert.deepEqual(spec(find('Server', 'web-svc-80')), {
      podSelector: { matchLabels: { app: 'web-svc' } },
      port: 80,
      proxyProtocol: 'unknown',
      accessPolicy: 'deny',
    });
    assert.deepEqual(spec(find('MeshTLSAuthentication', 'web-svc-bot-to-web-gloo-mesh')), {
      identityRefs: [{ kind: 'ServiceAccount', name: 'vote-bot', namespace: 'emojivoto' }],
    });
    assert.deepEqual(spec(find('AuthorizationPolicy', 'web-svc-80-bot-to-web-gloo-mesh')), {
      targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'web-svc-80' },
      requiredAuthenticationRefs: [
        {
          group: 'policy.linkerd.io',
          kind: 'MeshTLSAuthentication',
          name: 'web-svc-bot-to-web-gloo-mesh',
          namespace: 'emojivoto',
        },
      ],
    });
  });

  it('routes paths and methods through an HTTPRoute on the Server; other policies there get a route for every request', () => {
    const paths = accessPolicy('paths', {
      destinationSelector: [serviceRef('web-svc', 'emojivoto', 'east')],
      sourceSelector: [{ kubeIdentityMatcher: { namespaces: ['emojivoto'] } }],
      allowedPaths: ['/api/*', '/health'],
      allowedMethods: ['GET'],
    });
    const anyone = accessPolicy('anyone', { destinationSelector: [serviceRef('web-svc', 'emojivoto', 'east')] });
    const { find, statusOn, objects } = run({ accessPolicies: [paths, anyone] });
    assert.equal(statusOn(paths, WEB)?.state, 'ACCEPTED');
    assert.deepEqual(spec(find('HTTPRoute', 'web-svc-paths-gloo-mesh')), {
      parentRefs: [{ group: 'policy.linkerd.io', kind: 'Server', name: 'web-svc-80' }],
      rules: [
        {
          matches: [
            { path: { type: 'RegularExpression', value: '/api/.*' }, method: 'GET' },
            { path: { type: 'Exact', value: '/health' }, method: 'GET' },
          ],
        },
      ],
    });
    assert.deepEqual(spec(find('AuthorizationPolicy', 'web-svc-paths-gloo-mesh')), {
      targetRef: { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'web-svc-paths-gloo-mesh' },
      requiredAuthenticationRefs: [
        {
          group: 'policy.linkerd.io',
          kind: 'MeshTLSAuthentication',
          name: 'web-svc-paths-gloo-mesh',
          namespace: 'emojivoto',
        },
      ],
    });
    // No sources named: no authentication required, on a route for every request.
    assert.deepEqual(spec(find('HTTPRoute', 'web-svc-anyone-gloo-mesh')), {
      parentRefs: [{ group: 'policy.linkerd.io', kind: 'Server', name: 'web-svc-80' }],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }],
    });
    assert.deepEqual(spec(find('AuthorizationPolicy', 'web-svc-anyone-gloo-mesh')), {
      targetRef: { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'web-svc-anyone-gloo-mesh' },
      requiredAuthenticationRefs: [],
    });
    assert.equal(find('MeshTLSAuthentication', 'web-svc-anyone-gloo-mesh'), undefined);
    assert.equal(objects.filter((o) => o.kind === 'Server').length, 1);
  });

  it('rejects identities Linkerd cannot name', () => {
    const policy = accessPolicy('unnamed', {
      destinationSelector: [serviceRef('web-svc', 'emojivoto', 'east')],
      sourceSelector: [
        {
          kubeServiceAccountRefs: {
            serviceAccounts: [{ name: 'bot' }, { name: 'reviews', namespace: 'bookinfo', clusterName: 'west' }],
          },
        },
      ],
    });
    const { statusOn, objects } = run({ accessPolicies: [policy] });
    assert.deepEqual(statusOn(policy, WEB)?.errors, [
      "spec.sourceSelector[0].kubeServiceAccountRefs.serviceAccounts[0].namespace: a Linkerd identity names the service account's namespace; a service account in any namespace cannot be written",
      'spec.sourceSelector[0].kubeServiceAccountRefs.serviceAccounts[1]: no Linkerd mesh was discovered in cluster west, so its workloads have no Linkerd identity',
    ]);
    assert.deepEqual(objects, []);
  });

  it('writes identities of another Linkerd cluster as strings with its trust domain', () => {
    const north = linkerdMesh('north');
    north.metadata.annotations = { 'meshhub.dev/trust-domain': 'north.example' };
    const policy = accessPolicy('from-north', {
      destinationSelector: [serviceRef('web-svc', 'emojivoto', 'east')],
      sourceSelector: [
        {
          kubeServiceAccountRefs: {
            serviceAccounts: [
              { name: 'vote-bot', namespace: 'emojivoto', clusterName: 'north' },
              { name: 'web', namespace: 'emojivoto' },
            ],
          },
        },
      ],
    });
    const { find, statusOn } = run({ meshes: [mesh, istio, north], accessPolicies: [policy] });
    assert.equal(statusOn(policy, WEB)?.state, 'ACCEPTED');
    assert.deepEqual(spec(find('MeshTLSAuthentication', 'web-svc-from-north-gloo-mesh')), {
      identities: [
        'vote-bot.emojivoto.serviceaccount.identity.linkerd.north.example',
        'web.emojivoto.serviceaccount.identity.linkerd.cluster.local',
      ],
    });
  });
});

describe('linkerdTranslator: VirtualMesh members', () => {
  it('denies by default with a Server per pod port of every Destination, and reports shared trust as unsupported', () => {
    const vm = virtualMesh('zero-trust', [mesh], {
      globalAccessPolicy: 'ENABLED',
      mtlsConfig: { shared: { rootCertificateAuthority: { generated: {} } } },
    });
    const policy = accessPolicy('bot-to-web', {
      destinationSelector: [serviceRef('web-svc', 'emojivoto', 'east')],
      sourceSelector: [{ kubeServiceAccountRefs: { serviceAccounts: [{ name: 'vote-bot', namespace: 'emojivoto' }] } }],
    });
    const { result, objects, find } = run({ virtualMeshes: [vm], accessPolicies: [policy] });
    // One Server per port, whether the VirtualMesh or an AccessPolicy asks for it.
    assert.deepEqual(
      objects.filter((o) => o.kind === 'Server').map((o) => o.metadata.name),
      ['web-svc-80', 'web-svc-v2-80'],
    );
    assert.match(
      find('Server', 'web-svc-v2-80')?.metadata.annotations?.['parents.networking.mesh.gloo.solo.io'] ?? '',
      /VirtualMesh":\[\{"name":"zero-trust"/,
    );
    assert.ok(find('AuthorizationPolicy', 'web-svc-80-bot-to-web-gloo-mesh'));
    const member = result.virtualMeshes[0]?.status?.meshes?.['linkerd-destination-linkerd-east.gloo-mesh.'];
    assert.equal(member?.state, 'FAILED');
    assert.match(member.errors?.[0] ?? '', /^spec\.mtlsConfig\.shared: shared trust is not supported for Linkerd Mesh/);
    assert.match(member.warnings?.[0] ?? '', /^VirtualMesh spec\.globalAccessPolicy: on Linkerd Mesh/);
  });

  it('writes routes per port for a Service with several ports', () => {
    const multi = destination('api', 'emojivoto', 'east', { mesh, ports: [8080, 9090] });
    const policy = trafficPolicy('api-timeout', {
      destinationSelector: [serviceRef('api', 'emojivoto', 'east')],
      policy: { requestTimeout: '1s' },
    });
    const { find } = run({ destinations: [web, webV2, reviews, multi], trafficPolicies: [policy] });
    const route = find('HTTPRoute', 'api-9090');
    assert.deepEqual(spec(route), {
      parentRefs: [{ group: '', kind: 'Service', name: 'api', port: 9090 }],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [{ group: '', kind: 'Service', name: 'api', port: 9090, weight: 1 }],
          timeouts: { request: '1s' },
        },
      ],
    });
    assert.ok(find('HTTPRoute', 'api-8080'));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/meta.ts';
import { DESTINATION, MESH, MESH_HUB_TYPES, WORKLOAD } from '../kube/resources.ts';
import {
  DESCRIBE_KINDS,
  KIND_NAMES,
  KIND_OF,
  describeDestination,
  describeMesh,
  describePolicy,
  describeVirtualMesh,
  describeWorkload,
  installNamespacesOfPolicy,
  nearMatches,
  notFoundMessage,
  parentsOf,
  parseDescribeKind,
  parseObjectArgument,
  parseStatusKey,
  policiesOnDestination,
  relationToDestination,
  type ClusterReading,
} from './describe-model.ts';
import { formatDescription } from './describe-text.ts';

const NS = 'gloo-mesh';
const PARENTS = 'parents.networking.mesh.gloo.solo.io';
const DEST_GVK = 'discovery.mesh.gloo.solo.io/v1, Kind=Destination';
const TP_GVK = 'networking.mesh.gloo.solo.io/v1, Kind=TrafficPolicy';

function destination(name: string, service: string, cluster: string, status: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'discovery.mesh.gloo.solo.io/v1',
    kind: 'Destination',
    metadata: { name, namespace: NS, generation: 1 },
    spec: {
      kubeService: {
        ref: { name: service, namespace: 'bookinfo', clusterName: cluster },
        ports: [{ name: 'http', port: 9080, protocol: 'TCP', targetPortNumber: 9080 }],
        workloadSelectorLabels: { app: service },
        subsets: { version: { values: ['v1', 'v2'] } },
        serviceType: 'CLUSTER_IP',
      },
      mesh: { name: `istiod-istio-system-${cluster}`, namespace: NS },
    },
    status: { localFqdn: `${service}.bookinfo.svc.cluster.local`, ...status },
  };
}

function policy(
  kind: 'TrafficPolicy' | 'AccessPolicy',
  name: string,
  spec: Record<string, unknown>,
  status?: Record<string, unknown>,
  generation = 1,
): KubeObject {
  return {
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind,
    metadata: { name, namespace: 'bookinfo', generation },
    spec,
    ...(status === undefined ? {} : { status }),
  };
}

function written(
  kind: string,
  namespace: string,
  name: string,
  annotations: Record<string, string> = {},
  apiVersion = 'networking.istio.io/v1',
): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: { name, namespace, labels: { 'owner.networking.mesh.gloo.solo.io': NS }, annotations },
  };
}

function parents(destinations: string[], trafficPolicies: string[] = []): Record<string, string> {
  const value: Record<string, { name: string; namespace: string }[]> = {
    [DEST_GVK]: destinations.map((name) => ({ name, namespace: NS })),
  };
  if (trafficPolicies.length > 0) value[TP_GVK] = trafficPolicies.map((name) => ({ name, namespace: 'bookinfo' }));
  return { [PARENTS]: JSON.stringify(value) };
}

const reviews = destination('reviews-bookinfo-cluster-1', 'reviews', 'cluster-1', {
  appliedTrafficPolicies: [{ ref: { name: 'reviews-timeout', namespace: 'bookinfo' }, observedGeneration: 1 }],
});
const reviewsKey = 'reviews-bookinfo-cluster-1.gloo-mesh.';
const selectReviews = {
  destinationSelector: [
    { kubeServiceRefs: { services: [{ name: 'reviews', namespace: 'bookinfo', clusterName: 'cluster-1' }] } },
  ],
};

const timeout = policy(
  'TrafficPolicy',
  'reviews-timeout',
  { ...selectReviews, policy: { requestTimeout: '2s' } },
  {
    observedGeneration: 1,
    state: 'ACCEPTED',
    destinations: { [reviewsKey]: { state: 'ACCEPTED', acceptanceOrder: 0 } },
    workloads: ['*'],
  },
);
const mirror = policy(
  'TrafficPolicy',
  'reviews-mirror',
  { ...selectReviews, policy: { mirror: { kubeService: { name: 'ghost', namespace: 'bookinfo' } } } },
  {
    observedGeneration: 1,
    state: 'INVALID',
    destinations: {
      [reviewsKey]: {
        state: 'INVALID',
        errors: ['spec.policy.mirror.kubeService: no Destination for Service bookinfo/ghost in cluster cluster-1'],
      },
    },
  },
);
const badValues = policy(
  'TrafficPolicy',
  'reviews-bad-values',
  { ...selectReviews, policy: { requestTimeout: '0s' } },
  { observedGeneration: 1, state: 'INVALID', errors: ['spec.policy.requestTimeout: must be at least 1ms (got "0s")'] },
);
const elsewhere = policy(
  'TrafficPolicy',
  'ratings-timeout',
  {
    destinationSelector: [
      { kubeServiceRefs: { services: [{ name: 'ratings', namespace: 'bookinfo', clusterName: 'cluster-1' }] } },
    ],
  },
  { observedGeneration: 1, state: 'INVALID', errors: ['something about ratings'] },
);
const fresh = policy('AccessPolicy', 'reviews-access', selectReviews, undefined, 2);

describe('describe: names and keys', () => {
  it('reads kinds as kubectl does: any case, plural, short names, group-qualified', () => {
    const cases: [string, string | undefined][] = [
      ['destination', 'destination'],
      ['Destinations', 'destination'],
      ['dest', 'destination'],
      ['WL', 'workload'],
      ['meshes', 'mesh'],
      ['mesh.discovery.mesh.gloo.solo.io', 'mesh'],
      ['TrafficPolicy', 'trafficpolicy'],
      ['trafficpolicies', 'trafficpolicy'],
      ['tp', 'trafficpolicy'],
      ['trafficpolicy.networking.mesh.gloo.solo.io', 'trafficpolicy'],
      ['trafficpolicies.v1.networking.mesh.gloo.solo.io', 'trafficpolicy'],
      ['ap', 'accesspolicy'],
      ['AccessPolicies', 'accesspolicy'],
      ['vm', 'virtualmesh'],
      ['virtualmeshes', 'virtualmesh'],
      ['policy', undefined],
      ['trafficpolicy.discovery.mesh.gloo.solo.io', undefined],
      ['tp.networking', undefined],
      ['', undefined],
    ];
    for (const [argument, kind] of cases) assert.equal(parseDescribeKind(argument), kind, argument);
  });

  it('names each kind with the API group it is served in', () => {
    const types = [DESTINATION, WORKLOAD, MESH, ...MESH_HUB_TYPES];
    for (const kind of DESCRIBE_KINDS) {
      const type = types.find((t) => t.kind === KIND_OF[kind]);
      assert.equal(KIND_NAMES[kind].group, type?.group, kind);
      assert.ok(KIND_NAMES[kind].aliases.includes(type?.plural ?? ''), `${kind}: its plural ${type?.plural ?? ''}`);
    }
  });

  it('parses status keys and namespace/name arguments', () => {
    assert.deepEqual(parseStatusKey('reviews-bookinfo-cluster-1.gloo-mesh.'), {
      name: 'reviews-bookinfo-cluster-1',
      namespace: 'gloo-mesh',
    });
    assert.deepEqual(parseObjectArgument('bookinfo/reviews-timeout', NS), {
      name: 'reviews-timeout',
      namespace: 'bookinfo',
    });
    assert.deepEqual(parseObjectArgument('reviews-timeout', NS), { name: 'reviews-timeout', namespace: NS });
  });

  it('suggests near matches, closest first, and says when there are none', () => {
    const names = ['reviews-bookinfo-cluster-1', 'reviews-bookinfo-cluster-2', 'ratings-bookinfo-cluster-1'];
    assert.deepEqual(nearMatches('reviews', names), ['reviews-bookinfo-cluster-1', 'reviews-bookinfo-cluster-2']);
    assert.equal(nearMatches('ratings-bookinfo-cluster-l', names)[0], 'ratings-bookinfo-cluster-1');
    assert.deepEqual(nearMatches('productpage', names), []);
    assert.deepEqual(nearMatches('timeout', ['bookinfo/reviews-timeout', 'other/x']), ['bookinfo/reviews-timeout']);
    assert.equal(
      notFoundMessage('Destination', { name: 'reviews', namespace: NS }, names, 'in namespace gloo-mesh'),
      'Destination gloo-mesh/reviews not found; did you mean: reviews-bookinfo-cluster-1, reviews-bookinfo-cluster-2?',
    );
    assert.equal(
      notFoundMessage('Mesh', { name: 'x', namespace: NS }, [], 'in namespace gloo-mesh'),
      'Mesh gloo-mesh/x not found: there is no Mesh in namespace gloo-mesh',
    );
    assert.match(
      notFoundMessage('Mesh', { name: 'zzzzzzzz', namespace: NS }, names, 'in namespace gloo-mesh'),
      /3 Mesh objects in namespace gloo-mesh; none has a similar name/,
    );
  });
});

describe('describe: objects written for a Destination', () => {
  const identity = {
    name: 'reviews-bookinfo-cluster-1',
    namespace: NS,
    cluster: 'cluster-1',
    service: { name: 'reviews', namespace: 'bookinfo' },
  };

  it('relates objects by parents annotation, federation annotation, or Service name in its cluster', () => {
    const byParent = written('AuthorizationPolicy', 'bookinfo', 'reviews', parents([identity.name]));
    assert.equal(relationToDestination(byParent, 'cluster-1', identity), 'parent');
    // Federated objects carry both annotations; the federation one says more.
    const federated = written('ServiceEntry', 'istio-system', 'reviews.bookinfo.svc.cluster-1.global', {
      ...parents([identity.name]),
      'federation.networking.mesh.gloo.solo.io': 'reviews.bookinfo.cluster-1',
    });
    assert.equal(relationToDestination(federated, 'cluster-2', identity), 'federated');
    const federatedOther = written('ServiceEntry', 'istio-system', 'reviews.bookinfo.svc.cluster-2.global', {
      'federation.networking.mesh.gloo.solo.io': 'reviews.bookinfo.cluster-2',
    });
    assert.equal(relationToDestination(federatedOther, 'cluster-1', identity), undefined);
    const sameName = written('DestinationRule', 'bookinfo', 'reviews');
    assert.equal(relationToDestination(sameName, 'cluster-1', identity), 'translated');
    // The same name in another cluster, or another Destination's parents, is not this Destination's.
    assert.equal(relationToDestination(sameName, 'cluster-2', identity), undefined);
    const other = written('VirtualService', 'bookinfo', 'ratings', parents(['ratings-bookinfo-cluster-1']));
    assert.equal(relationToDestination(other, 'cluster-1', identity), undefined);
  });

  it('reads an unreadable parents annotation as naming no parent', () => {
    assert.equal(parentsOf(written('VirtualService', 'b', 'x', { [PARENTS]: '{not json' })).size, 0);
    assert.equal(parentsOf(written('VirtualService', 'b', 'x', { [PARENTS]: '["a"]' })).size, 0);
    const map = parentsOf(written('VirtualService', 'b', 'x', parents(['d1'], ['p1'])));
    assert.deepEqual([...map.keys()].sort(), ['Destination', 'TrafficPolicy']);
  });
});

describe('describe: policies on a Destination', () => {
  it('sorts every policy into applied, rejected (with the reasons) and pending', () => {
    const result = policiesOnDestination(reviews, [timeout, mirror, badValues, elsewhere, fresh]);
    assert.deepEqual(
      result.applied.map((p) => [p.kind, p.name, p.state, p.acceptanceOrder]),
      [['TrafficPolicy', 'reviews-timeout', 'ACCEPTED', 0]],
    );
    assert.deepEqual(
      result.rejected.map((p) => [p.name, p.state, p.errors]),
      [
        ['reviews-bad-values', 'INVALID', ['spec.policy.requestTimeout: must be at least 1ms (got "0s")']],
        [
          'reviews-mirror',
          'INVALID',
          ['spec.policy.mirror.kubeService: no Destination for Service bookinfo/ghost in cluster cluster-1'],
        ],
      ],
    );
    assert.deepEqual(
      result.pending.map((p) => [p.kind, p.name, p.statusCurrent, p.errors]),
      [['AccessPolicy', 'reviews-access', false, ['no status yet: the management plane has not processed it']]],
    );
  });

  it("keeps a policy the Destination's status lists even when the policy list lacks it", () => {
    const result = policiesOnDestination(reviews, []);
    assert.deepEqual(
      result.applied.map((p) => p.name),
      ['reviews-timeout'],
    );
  });
});

describe('describe: a Destination', () => {
  const readings: ClusterReading[] = [
    {
      cluster: 'cluster-2',
      reachable: false,
      error: 'cluster cluster-2: GET /version: ECONNREFUSED',
      objects: [],
    },
    {
      cluster: 'cluster-1',
      reachable: true,
      objects: [
        written('VirtualService', 'bookinfo', 'reviews', parents(['reviews-bookinfo-cluster-1'], ['reviews-timeout'])),
        written('VirtualService', 'bookinfo', 'ratings', parents(['ratings-bookinfo-cluster-1'])),
        written(
          'AuthorizationPolicy',
          'bookinfo',
          'reviews',
          parents(['reviews-bookinfo-cluster-1']),
          'security.istio.io/v1',
        ),
      ],
    },
  ];

  it('shows cluster, Service, ports, policies, rejections and objects per cluster, unreachable ones too', () => {
    const d = describeDestination(reviews, [timeout, mirror], readings);
    assert.equal(d.cluster, 'cluster-1');
    assert.deepEqual(d.service, { name: 'reviews', namespace: 'bookinfo' });
    assert.equal(d.mesh, 'gloo-mesh/istiod-istio-system-cluster-1');
    assert.deepEqual(d.ports, [{ port: 9080, name: 'http', protocol: 'TCP', targetPort: '9080' }]);
    assert.deepEqual(
      d.outputs.map((c) => [c.cluster, c.reachable, c.objects.map((o) => `${o.kind} ${o.namespace}/${o.name}`)]),
      [
        ['cluster-1', true, ['AuthorizationPolicy bookinfo/reviews', 'VirtualService bookinfo/reviews']],
        ['cluster-2', false, []],
      ],
    );
    const text = formatDescription(d);
    assert.match(text, /^Destination: +gloo-mesh\/reviews-bookinfo-cluster-1$/m);
    assert.match(text, /^Ports: +http 9080\/TCP → 9080$/m);
    assert.match(text, /^Subsets: +version=v1\|v2$/m);
    assert.match(text, /TrafficPolicy +bookinfo\/reviews-timeout +ACCEPTED +0/);
    assert.match(
      text,
      /TrafficPolicy +bookinfo\/reviews-mirror +INVALID +spec\.policy\.mirror\.kubeService: no Destination for Service bookinfo\/ghost/,
    );
    assert.match(text, /cluster-1 +VirtualService\.networking\.istio\.io +bookinfo\/reviews +parent/);
    assert.match(text, /cluster-1 +AuthorizationPolicy\.security\.istio\.io +bookinfo\/reviews +parent/);
    assert.match(text, /cluster-2 +- +- +unreachable: cluster cluster-2: GET \/version: ECONNREFUSED/);
    assert.doesNotMatch(text, /bookinfo\/ratings/);
  });

  it('says so when nothing applies and no cluster is registered', () => {
    const bare = destination('details-bookinfo-cluster-1', 'details', 'cluster-1');
    const text = formatDescription(describeDestination(bare, [], []));
    assert.match(text, /^Policies applied: none$/m);
    assert.match(text, /^Policies rejected: none$/m);
    assert.match(text, /^Objects written for it: none \(no registered cluster\)$/m);
  });
});

describe('describe: a policy', () => {
  it('shows state, selectors, per-Destination results with their cluster and Service, and its outputs', () => {
    const ratings = destination('ratings-bookinfo-cluster-1', 'ratings', 'cluster-1');
    const both = policy(
      'TrafficPolicy',
      'shift',
      { destinationSelector: [{ kubeServiceMatcher: { labels: { team: 'books' }, clusters: ['cluster-1'] } }] },
      {
        observedGeneration: 1,
        state: 'INVALID',
        destinations: {
          [reviewsKey]: { state: 'ACCEPTED', acceptanceOrder: 1, warnings: ['subset not there yet'] },
          'ratings-bookinfo-cluster-1.gloo-mesh.': { state: 'INVALID', errors: ['port 8080 missing'] },
        },
        workloads: ['*'],
      },
      2,
    );
    assert.deepEqual(installNamespacesOfPolicy(both), [NS]);
    const readings: ClusterReading[] = [
      {
        cluster: 'cluster-1',
        reachable: true,
        objects: [
          written('VirtualService', 'bookinfo', 'reviews', parents(['reviews-bookinfo-cluster-1'], ['shift'])),
          written('VirtualService', 'bookinfo', 'ratings', parents(['ratings-bookinfo-cluster-1'], ['other'])),
        ],
      },
    ];
    const d = describePolicy(both, [reviews, ratings], readings);
    assert.equal(d.state, 'INVALID');
    assert.equal(d.statusCurrent, false);
    assert.deepEqual(d.destinationSelectors, ['Services with labels team=books in clusters cluster-1']);
    assert.deepEqual(d.sourceSelectors, ['every Workload']);
    assert.deepEqual(
      d.destinations.map((r) => [r.destination, r.cluster, r.service, r.state, r.errors]),
      [
        ['ratings-bookinfo-cluster-1', 'cluster-1', 'bookinfo/ratings', 'INVALID', ['port 8080 missing']],
        ['reviews-bookinfo-cluster-1', 'cluster-1', 'bookinfo/reviews', 'ACCEPTED', []],
      ],
    );
    assert.deepEqual(
      d.outputs.flatMap((c) => c.objects.map((o) => o.name)),
      ['reviews'],
    );
    const text = formatDescription(d);
    assert.match(text, /^TrafficPolicy: +bookinfo\/shift$/m);
    assert.match(text, /^Generation: +2 \(status is for generation 1: the management plane has not processed/m);
    assert.match(
      text,
      /ratings-bookinfo-cluster-1 +cluster-1 +bookinfo\/ratings +INVALID +- +error: port 8080 missing/,
    );
    assert.match(text, /reviews-bookinfo-cluster-1 +cluster-1 +bookinfo\/reviews +ACCEPTED +1 +warning: subset/);
    assert.match(text, /^Workloads: every Workload$/m);
  });

  it('shows errors of a policy rejected as a whole, and an AccessPolicy with no sources', () => {
    const d = describePolicy(badValues, [], []);
    assert.deepEqual(d.errors, ['spec.policy.requestTimeout: must be at least 1ms (got "0s")']);
    assert.match(formatDescription(d), /^Errors:\n {2}- spec\.policy\.requestTimeout/m);
    assert.match(formatDescription(d), /^Destinations: none selected$/m);
    const access = describePolicy(fresh, [], []);
    assert.equal(access.state, 'PENDING');
    assert.deepEqual(access.sourceSelectors, ['no source']);
    assert.deepEqual(access.destinationSelectors, ['Service bookinfo/reviews in cluster-1']);
  });
});

describe('describe: Workload, Mesh, VirtualMesh', () => {
  const workload: KubeObject = {
    apiVersion: 'discovery.mesh.gloo.solo.io/v1',
    kind: 'Workload',
    metadata: {
      name: 'reviews-v1-bookinfo-cluster-1-deployment',
      namespace: NS,
      labels: { 'meshhub.dev/dataplane-mode': 'sidecar' },
    },
    spec: {
      kubernetes: {
        controller: { name: 'reviews-v1', namespace: 'bookinfo', clusterName: 'cluster-1' },
        podLabels: { app: 'reviews', version: 'v1' },
        serviceAccountName: 'bookinfo-reviews',
      },
      mesh: { name: 'istiod-istio-system-cluster-1', namespace: NS },
    },
  };

  it('a Workload: controller, mesh, the Destinations selecting it and the policies naming it as a source', () => {
    const named = policy('AccessPolicy', 'allow-reviews', selectReviews, {
      state: 'ACCEPTED',
      workloads: ['reviews-v1-bookinfo-cluster-1-deployment.gloo-mesh.'],
    });
    const d = describeWorkload(
      workload,
      [reviews, destination('reviews-bookinfo-cluster-2', 'reviews', 'cluster-2')],
      [timeout, named, mirror],
    );
    assert.equal(d.controllerKind, 'Deployment');
    assert.equal(d.controller, 'bookinfo/reviews-v1');
    assert.equal(d.dataplaneMode, 'sidecar');
    assert.deepEqual(d.destinations, ['reviews-bookinfo-cluster-1']);
    assert.deepEqual(
      d.sourceOf.map((p) => [p.kind, p.name, p.allWorkloads]),
      [
        ['AccessPolicy', 'allow-reviews', false],
        ['TrafficPolicy', 'reviews-timeout', true],
      ],
    );
    assert.match(formatDescription(d), /^Controller: +Deployment bookinfo\/reviews-v1$/m);
  });

  it('a Mesh: type, installation and what belongs to it', () => {
    const mesh: KubeObject = {
      apiVersion: 'discovery.mesh.gloo.solo.io/v1',
      kind: 'Mesh',
      metadata: { name: 'istiod-istio-system-cluster-1', namespace: NS },
      spec: {
        istio: {
          installation: { namespace: 'istio-system', cluster: 'cluster-1', version: '1.24.2' },
          trustDomain: 'cluster.local',
          ingressGateways: [
            {
              name: 'istio-eastwestgateway',
              namespace: 'istio-system',
              externalAddress: '172.18.1.200',
              ip: '172.18.1.200',
              externalTlsPort: 15443,
            },
          ],
        },
      },
      status: { appliedVirtualMesh: { ref: { name: 'vm', namespace: NS } } },
    };
    const d = describeMesh(
      mesh,
      [workload],
      [reviews, destination('reviews-bookinfo-cluster-2', 'reviews', 'cluster-2')],
    );
    assert.equal(d.type, 'istio');
    assert.equal(d.version, '1.24.2');
    assert.deepEqual(d.ingressGateways, ['istio-system/istio-eastwestgateway at 172.18.1.200:15443']);
    assert.equal(d.virtualMesh, 'gloo-mesh/vm');
    assert.deepEqual(d.workloads, ['reviews-v1-bookinfo-cluster-1-deployment']);
    assert.deepEqual(d.destinations, ['reviews-bookinfo-cluster-1']);
    assert.match(formatDescription(d), /^Destinations \(1\):\n {2}- reviews-bookinfo-cluster-1$/m);
  });

  it('a Mesh: its column of the support matrix, from the translator of its type', () => {
    const istio = describeMesh(
      {
        apiVersion: 'discovery.mesh.gloo.solo.io/v1',
        kind: 'Mesh',
        metadata: { name: 'm', namespace: NS },
        spec: { istio: {} },
      },
      [],
      [],
    );
    const retries = istio.support.find((s) => s.feature === 'TrafficPolicy spec.policy.retries');
    assert.equal(retries?.level, 'supported');
    assert.equal(istio.support.find((s) => s.feature === 'TrafficPolicy spec.policy.csrf')?.level, 'unsupported');
    assert.match(formatDescription(istio), /^What Mesh Hub configures in this istio mesh:$/m);
    const consul = describeMesh(
      {
        apiVersion: 'discovery.mesh.gloo.solo.io/v1',
        kind: 'Mesh',
        metadata: { name: 'c', namespace: NS },
        spec: { consulConnect: {} },
      },
      [],
      [],
    );
    assert.deepEqual(consul.support, []);
    assert.match(formatDescription(consul), /does not configure it/);
  });

  it('a VirtualMesh: mTLS, federation and per-Mesh state', () => {
    const virtualMesh: KubeObject = {
      apiVersion: 'networking.mesh.gloo.solo.io/v1',
      kind: 'VirtualMesh',
      metadata: { name: 'vm', namespace: NS, generation: 3 },
      spec: {
        meshes: [{ name: 'istiod-istio-system-cluster-1', namespace: NS }],
        mtlsConfig: { shared: { rootCertificateAuthority: { generated: {} } }, autoRestartPods: true },
        federation: { permissive: {}, hostnameSuffix: 'mesh' },
      },
      status: {
        observedGeneration: 3,
        state: 'FAILED',
        meshes: { 'istiod-istio-system-cluster-1.gloo-mesh.': { state: 'FAILED', errors: ['no CA yet'] } },
      },
    };
    const d = describeVirtualMesh(virtualMesh);
    assert.equal(d.mtls, 'shared root CA, generated (auto-restart pods)');
    assert.equal(d.federation, 'permissive (every Destination to every Mesh), host suffix mesh');
    assert.deepEqual(d.meshStates, [{ name: 'istiod-istio-system-cluster-1', state: 'FAILED', errors: ['no CA yet'] }]);
    assert.match(formatDescription(d), /istiod-istio-system-cluster-1 +FAILED +no CA yet/);

    // With the clusters read: each member's IssuedCertificate state, only those of this VirtualMesh.
    const issued = (name: string, parent: string, status: Record<string, string>): KubeObject => ({
      apiVersion: 'certificates.mesh.gloo.solo.io/v1',
      kind: 'IssuedCertificate',
      metadata: {
        name,
        namespace: NS,
        annotations: {
          'parents.networking.mesh.gloo.solo.io': JSON.stringify({
            'networking.mesh.gloo.solo.io/v1, Kind=VirtualMesh': [{ name: parent, namespace: NS }],
          }),
        },
      },
      status,
    });
    const withCertificates = describeVirtualMesh(
      virtualMesh,
      [
        {
          cluster: 'cluster-1',
          reachable: true,
          objects: [
            issued('istiod-istio-system-cluster-1', 'vm', {
              state: 'FAILED',
              error: 'Secret istio-system/cacerts exists',
            }),
            issued('other', 'another-vm', { state: 'FINISHED' }),
          ],
          signedCertificates: { read: true, items: [] },
        },
        { cluster: 'cluster-2', reachable: false, error: 'connection refused', objects: [] },
      ],
      Date.parse('2026-12-01T00:00:00Z'),
    );
    assert.deepEqual(withCertificates.certificates, [
      {
        cluster: 'cluster-1',
        issuedCertificate: `${NS}/istiod-istio-system-cluster-1`,
        state: 'FAILED',
        error: 'Secret istio-system/cacerts exists',
        expiry: { state: 'not-issued', summary: 'not issued yet' },
      },
    ]);
    const text = formatDescription(withCertificates);
    assert.match(
      text,
      /cluster-1 +gloo-mesh\/istiod-istio-system-cluster-1 +FAILED +not issued yet +Secret istio-system\/cacerts exists/,
    );
    assert.match(text, /cluster-2 +UNKNOWN +unknown +connection refused/);

    // A signed certificate (from its CertificateRequest's status): its expiry, in the agent's rotation window.
    const day = 24 * 3600_000;
    const notBefore = Date.parse('2026-11-01T00:00:00Z');
    const signed = describeVirtualMesh(
      virtualMesh,
      [
        {
          cluster: 'cluster-1',
          reachable: true,
          objects: [issued('istiod-istio-system-cluster-1', 'vm', { state: 'FINISHED' })],
          signedCertificates: {
            read: true,
            items: [
              {
                namespace: NS,
                name: 'istiod-istio-system-cluster-1',
                certificate: { notBefore, notAfter: notBefore + 30 * day },
                root: { notBefore, notAfter: notBefore + 365 * day },
              },
            ],
          },
        },
      ],
      notBefore + 28 * day,
    );
    assert.deepEqual(signed.certificates[0]?.expiry, {
      state: 'expiring',
      notBefore: '2026-11-01T00:00:00.000Z',
      notAfter: '2026-12-01T00:00:00.000Z',
      daysLeft: 2,
      summary: 'expiring: expires on 2026-12-01 (in 2 days), due for rotation',
    });
    assert.deepEqual(signed.certificates[0].root, {
      notBefore: '2026-11-01T00:00:00.000Z',
      notAfter: '2027-11-01T00:00:00.000Z',
      daysLeft: 337,
    });
    const signedText = formatDescription(signed);
    assert.match(signedText, /FINISHED +expiring: expires on 2026-12-01 \(in 2 days\), due for rotation/);
    assert.match(signedText, /Root CA: expires on 2027-11-01 \(in 337 days\)/);

    // CertificateRequests that could not be listed: unknown, with the reason, never "expired".
    const unreadable = describeVirtualMesh(
      virtualMesh,
      [
        {
          cluster: 'cluster-1',
          reachable: true,
          objects: [issued('istiod-istio-system-cluster-1', 'vm', { state: 'FINISHED' })],
          signedCertificates: { read: false, error: 'CertificateRequest: forbidden' },
        },
      ],
      notBefore,
    );
    assert.deepEqual(unreadable.certificates[0]?.expiry, {
      state: 'unknown',
      summary: 'unknown: CertificateRequest: forbidden',
    });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../api/meta.ts';
import type { AccessPolicy, Mesh, TrafficPolicy, Workload } from '../../model.ts';
import type { NetworkingInput } from '../../model.ts';
import { indexNetworkingInput } from '../../networking-index.ts';
import { planNetworking, type NetworkingPlan } from '../../plan/plan.ts';
import {
  NS,
  accessPolicy,
  destination,
  networkingInput,
  serviceRef,
  trafficPolicy,
  workload,
} from '../../test-fixtures.ts';
import type { DestinationDecision, PolicyOutcome } from '../translator.ts';
import { supportOfMesh } from '../translators.ts';
import { osmTranslator } from './osm-translator.ts';

const CLUSTER = 'cluster-1';

function osmMesh(cluster: string): Mesh {
  return {
    apiVersion: 'discovery.mesh.gloo.solo.io/v1',
    kind: 'Mesh',
    metadata: { name: `osm-controller-osm-system-${cluster}`, namespace: NS },
    spec: { osm: { installation: { cluster, namespace: 'osm-system', version: 'v1.2.4' } } },
  };
}

function planOf(input: NetworkingInput): NetworkingPlan {
  return planNetworking(indexNetworkingInput(input), input, supportOfMesh);
}

const mesh = osmMesh(CLUSTER);
const otherMesh = osmMesh('cluster-2');

/** Bookstore on OSM: bookstore (root) selects v1 and v2, which also have their own Services. */
function bookstore(extraWorkloads: Workload[] = [], clusterObjects: KubeObject[] = []): NetworkingPlan {
  const destinations = [
    destination('bookstore', 'bookstore', CLUSTER, { mesh, ports: [14001] }),
    destination('bookstore-v1', 'bookstore', CLUSTER, { mesh, ports: [14001] }),
    destination('bookstore-v2', 'bookstore', CLUSTER, { mesh, ports: [14001] }),
    destination('bookstore', 'bookstore', 'cluster-2', { mesh: otherMesh, ports: [14001] }),
  ];
  // The root Service selects both versions (app: bookstore); each version Service selects one.
  const root = destinations[0];
  if (root?.spec.kubeService !== undefined) root.spec.kubeService.workloadSelectorLabels = { app: 'bookstore' };
  for (const [i, version] of ['v1', 'v2'].entries()) {
    const d = destinations[i + 1];
    if (d?.spec.kubeService !== undefined) d.spec.kubeService.workloadSelectorLabels = { app: 'bookstore', version };
  }
  const workloads = [
    workload('bookstore-v1', 'bookstore', CLUSTER, {
      mesh,
      labels: { app: 'bookstore', version: 'v1' },
      serviceAccount: 'bookstore',
    }),
    workload('bookstore-v2', 'bookstore', CLUSTER, {
      mesh,
      labels: { app: 'bookstore', version: 'v2' },
      serviceAccount: 'bookstore',
    }),
    workload('bookbuyer', 'bookbuyer', CLUSTER, { mesh, labels: { app: 'bookbuyer' } }),
    workload('bookthief', 'bookthief', CLUSTER, { mesh, labels: { app: 'bookthief' } }),
    workload('bookbuyer', 'bookbuyer', 'cluster-2', { mesh: otherMesh, labels: { app: 'bookbuyer' } }),
    ...extraWorkloads,
  ];
  return planOf(
    networkingInput({
      meshes: [mesh, otherMesh],
      destinations,
      workloads,
      clusterObjects: new Map([[CLUSTER, clusterObjects.map((object) => ({ object }))]]),
    }),
  );
}

function decide(
  index: NetworkingPlan,
  service: string,
  trafficPolicies: TrafficPolicy[],
  accessPolicies: AccessPolicy[] = [],
  cluster = CLUSTER,
): DestinationDecision {
  const target = index.destinations.find(
    (d) => d.service?.name === service && d.service.namespace === 'bookstore' && d.service.cluster === cluster,
  );
  assert.ok(target, `no Destination ${service}`);
  return osmTranslator.decide(target, trafficPolicies, accessPolicies, index);
}

function outcomeOf(decision: DestinationDecision, policy: TrafficPolicy | AccessPolicy): PolicyOutcome {
  const found =
    policy.kind === 'TrafficPolicy'
      ? decision.trafficPolicies.find(([p]) => p === policy)
      : decision.accessPolicies.find(([p]) => p === policy);
  assert.ok(found, `no outcome for ${policy.metadata.name}`);
  return found[1];
}

function objects(decision: DestinationDecision, kind?: string): KubeObject[] {
  return decision
    .writeOutputs([])
    .map((o) => o.object)
    .filter((o) => kind === undefined || o.kind === kind);
}

function specOf(object: KubeObject | undefined): unknown {
  assert.ok(object);
  return (object as KubeObject & { spec: unknown }).spec;
}

const shift = (to: { name: string; weight: number; subset?: Record<string, string>; clusterName?: string }[]) => ({
  trafficShift: {
    destinations: to.map((t) => ({
      weight: t.weight,
      kubeService: {
        name: t.name,
        namespace: 'bookstore',
        ...(t.clusterName === undefined ? {} : { clusterName: t.clusterName }),
        ...(t.subset === undefined ? {} : { subset: t.subset }),
      },
    })),
  },
});

function meshConfig(spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'config.openservicemesh.io/v1alpha2',
    kind: 'MeshConfig',
    metadata: { name: 'osm-mesh-config', namespace: 'osm-system' },
    spec,
  };
}

const toBookstore = { destinationSelector: [serviceRef('bookstore', 'bookstore', CLUSTER)] };

describe('OSM traffic shift', () => {
  it('becomes an SMI TrafficSplit v1alpha2 named after the root Service, in its namespace and cluster', () => {
    const policy = trafficPolicy('split', {
      ...toBookstore,
      policy: shift([
        { name: 'bookstore-v1', weight: 75 },
        { name: 'bookstore-v2', weight: 25 },
      ]),
    });
    const decision = decide(bookstore(), 'bookstore', [policy]);
    assert.equal(outcomeOf(decision, policy).state, 'ACCEPTED');
    const written = decision.writeOutputs([]);
    assert.equal(written.length, 1);
    const [only] = written;
    assert.ok(only !== undefined);
    assert.equal(only.cluster, CLUSTER);
    assert.equal(only.object.apiVersion, 'split.smi-spec.io/v1alpha2');
    assert.equal(only.object.kind, 'TrafficSplit');
    assert.equal(only.object.metadata.name, 'bookstore');
    assert.equal(only.object.metadata.namespace, 'bookstore');
    assert.equal(only.object.metadata.labels?.['owner.networking.mesh.gloo.solo.io'], NS);
    assert.deepEqual(specOf(only.object), {
      service: 'bookstore',
      backends: [
        { service: 'bookstore-v1', weight: 75 },
        { service: 'bookstore-v2', weight: 25 },
      ],
    });
  });

  it('rejects a shift to a subset, naming the field and the mesh', () => {
    const policy = trafficPolicy('subset', {
      ...toBookstore,
      policy: shift([{ name: 'bookstore', weight: 100, subset: { version: 'v2' } }]),
    });
    const decision = decide(bookstore(), 'bookstore', [policy]);
    const result = outcomeOf(decision, policy);
    assert.equal(result.state, 'INVALID');
    assert.match(
      result.errors.join('\n'),
      /trafficShift\.destinations\[0\]\.kubeService\.subset: not supported for Open Service Mesh/,
    );
    assert.deepEqual(objects(decision), []);
  });

  it('rejects a backend in another cluster: OSM 1.2 has no multicluster', () => {
    const policy = trafficPolicy('remote', {
      ...toBookstore,
      policy: shift([
        { name: 'bookstore-v1', weight: 50 },
        { name: 'bookstore', weight: 50, clusterName: 'cluster-2' },
      ]),
    });
    const result = outcomeOf(decide(bookstore(), 'bookstore', [policy]), policy);
    assert.equal(result.state, 'INVALID');
    assert.match(
      result.errors.join('\n'),
      /destinations\[1\]\.kubeService\.clusterName: a backend in cluster cluster-2 .*no multicluster/,
    );
  });

  it('rejects a shift limited to some sources: a TrafficSplit applies to every client', () => {
    const policy = trafficPolicy('sources', {
      ...toBookstore,
      sourceSelector: [{ kubeWorkloadMatcher: { labels: { app: 'bookbuyer' } } }],
      policy: shift([{ name: 'bookstore-v1', weight: 100 }]),
    });
    const result = outcomeOf(decide(bookstore(), 'bookstore', [policy]), policy);
    assert.equal(result.state, 'INVALID');
    assert.match(result.errors.join('\n'), /^spec\.sourceSelector: a trafficShift/m);
  });

  it('keeps the first of two different shifts and rejects the second as a conflict', () => {
    const first = trafficPolicy('first', { ...toBookstore, policy: shift([{ name: 'bookstore-v1', weight: 100 }]) });
    const second = trafficPolicy('second', { ...toBookstore, policy: shift([{ name: 'bookstore-v2', weight: 100 }]) });
    const same = trafficPolicy('same', { ...toBookstore, policy: shift([{ name: 'bookstore-v1', weight: 100 }]) });
    const decision = decide(bookstore(), 'bookstore', [first, second, same]);
    assert.equal(outcomeOf(decision, first).state, 'ACCEPTED');
    assert.equal(outcomeOf(decision, second).state, 'INVALID');
    assert.match(outcomeOf(decision, second).errors.join('\n'), /conflict: policy\.trafficShift on the TrafficSplit/);
    assert.equal(outcomeOf(decision, same).state, 'ACCEPTED');
    const [split] = objects(decision, 'TrafficSplit');
    assert.match(split?.metadata.annotations?.['parents.networking.mesh.gloo.solo.io'] ?? '', /"first".*"same"/);
  });

  it('rejects a backend that is not a discovered Service', () => {
    const policy = trafficPolicy('missing', { ...toBookstore, policy: shift([{ name: 'bookstore-v9', weight: 1 }]) });
    const result = outcomeOf(decide(bookstore(), 'bookstore', [policy]), policy);
    assert.equal(result.state, 'INVALID');
    assert.match(result.errors.join('\n'), /no Destination for Service bookstore\/bookstore-v9/);
  });
});

describe('OSM retries', () => {
  it('writes one Retry per service account of the mesh when no source is selected', () => {
    const policy = trafficPolicy('retries', {
      ...toBookstore,
      policy: { retries: { attempts: 3, perTryTimeout: '2s' } },
    });
    const decision = decide(bookstore(), 'bookstore', [policy]);
    const result = outcomeOf(decision, policy);
    assert.equal(result.state, 'ACCEPTED');
    assert.match(result.warnings.join('\n'), /enableRetryPolicy/);
    const retries = objects(decision, 'Retry');
    // bookbuyer, bookthief and bookstore of cluster-1; not the bookbuyer of cluster-2's mesh.
    assert.deepEqual(
      retries.map((r) => r.metadata.name),
      ['bookstore-bookbuyer-bookbuyer', 'bookstore-bookstore-bookstore', 'bookstore-bookthief-bookthief'],
    );
    assert.deepEqual(specOf(retries[0]), {
      source: { kind: 'ServiceAccount', name: 'bookbuyer', namespace: 'bookbuyer' },
      destinations: [{ kind: 'Service', name: 'bookstore', namespace: 'bookstore' }],
      retryPolicy: {
        retryOn: 'connect-failure,refused-stream,unavailable,cancelled,gateway-error',
        perTryTimeout: '2s',
        numRetries: 3,
        retryBackoffBaseInterval: '25ms',
      },
    });
    assert.ok(retries.every((r) => r.apiVersion === 'policy.openservicemesh.io/v1alpha1'));
    assert.ok(retries.every((r) => r.metadata.namespace === 'bookstore'));
  });

  it('writes Retries only for the selected sources of this cluster, and says so for the others', () => {
    const policy = trafficPolicy('buyer-retries', {
      ...toBookstore,
      sourceSelector: [{ kubeWorkloadMatcher: { labels: { app: 'bookbuyer' } } }],
      policy: { retries: { attempts: 2 } },
    });
    const decision = decide(bookstore(), 'bookstore', [policy]);
    const result = outcomeOf(decision, policy);
    assert.equal(result.state, 'ACCEPTED');
    assert.match(result.warnings.join('\n'), /1 selected workload\(s\) outside this Destination's mesh/);
    const retries = objects(decision, 'Retry');
    assert.deepEqual(
      retries.map((r) => r.metadata.name),
      ['bookstore-bookbuyer-bookbuyer'],
    );
    assert.equal((specOf(retries[0]) as { retryPolicy: { perTryTimeout: string } }).retryPolicy.perTryTimeout, '0s');
  });

  it("says whether OSM reads the Retries, when the cluster's objects show its MeshConfig", () => {
    const policy = trafficPolicy('retries', { ...toBookstore, policy: { retries: { attempts: 3 } } });
    const off = outcomeOf(decide(bookstore([], [meshConfig({ featureFlags: {} })]), 'bookstore', [policy]), policy);
    assert.equal(off.state, 'ACCEPTED');
    assert.match(
      off.warnings.join('\n'),
      /OSM ignores the Retry objects written for this policy until its MeshConfig osm-system\/osm-mesh-config in cluster cluster-1 sets spec\.featureFlags\.enableRetryPolicy: true/,
    );
    const enabled = meshConfig({ featureFlags: { enableRetryPolicy: true } });
    const on = decide(bookstore([], [enabled]), 'bookstore', [policy]);
    assert.deepEqual(outcomeOf(on, policy).warnings, []);
    assert.equal(objects(on, 'Retry').length, 3);
  });

  it('rejects a second policy that sets other retries for the same source', () => {
    const first = trafficPolicy('a', { ...toBookstore, policy: { retries: { attempts: 2 } } });
    const second = trafficPolicy('b', {
      ...toBookstore,
      sourceSelector: [{ kubeWorkloadMatcher: { labels: { app: 'bookthief' } } }],
      policy: { retries: { attempts: 5 } },
    });
    const decision = decide(bookstore(), 'bookstore', [first, second]);
    assert.equal(outcomeOf(decision, first).state, 'ACCEPTED');
    const result = outcomeOf(decision, second);
    assert.equal(result.state, 'INVALID');
    assert.match(
      result.errors.join('\n'),
      /conflict: policy\.retries on the Retry from service account bookthief\/bookthief/,
    );
  });
});

describe('OSM unsupported features', () => {
  it('rejects the policy on OSM Destinations naming each feature, and writes nothing for it', () => {
    const policy = trafficPolicy('faulty', {
      ...toBookstore,
      policy: {
        retries: { attempts: 1 },
        faultInjection: { abort: { httpStatus: 500 }, percentage: 10 },
        requestTimeout: '3s',
        corsPolicy: { allowOrigins: [{ exact: 'https://example.com' }] },
        mirror: { kubeService: { name: 'bookstore-v2', namespace: 'bookstore', clusterName: CLUSTER } },
        outlierDetection: { consecutiveErrors: 5 },
      },
    });
    const decision = decide(bookstore(), 'bookstore', [policy]);
    const result = outcomeOf(decision, policy);
    assert.equal(result.state, 'INVALID');
    const text = result.errors.join('\n');
    for (const field of ['requestTimeout', 'corsPolicy', 'faultInjection', 'mirror', 'outlierDetection']) {
      assert.match(
        text,
        new RegExp(`^spec\\.policy\\.${field}: not supported for Open Service Mesh Destinations \\(.+\\)$`, 'm'),
      );
    }
    assert.doesNotMatch(text, /spec\.policy\.retries/);
    assert.deepEqual(objects(decision), []);
  });

  it('rejects request matchers: neither TrafficSplit nor Retry can match requests', () => {
    const policy = trafficPolicy('matchers', {
      ...toBookstore,
      httpRequestMatchers: [{ uri: { prefix: '/books' } }],
      policy: { retries: { attempts: 1 } },
    });
    const result = outcomeOf(decide(bookstore(), 'bookstore', [policy]), policy);
    assert.equal(result.state, 'INVALID');
    assert.match(result.errors.join('\n'), /^spec\.httpRequestMatchers: not supported for Open Service Mesh/m);
  });
});

describe('OSM access policies', () => {
  it('allows exactly the named service accounts on the allowed paths and methods', () => {
    const policy = accessPolicy('buyer-reads', {
      ...toBookstore,
      sourceSelector: [
        {
          kubeServiceAccountRefs: {
            serviceAccounts: [
              { name: 'bookbuyer', namespace: 'bookbuyer', clusterName: CLUSTER },
              { name: 'bookbuyer', namespace: 'bookbuyer', clusterName: 'cluster-2' },
            ],
          },
        },
      ],
      allowedPaths: ['/books-bought', '/buy-a-book/*'],
      allowedMethods: ['get', 'POST'],
    });
    const decision = decide(bookstore(), 'bookstore', [], [policy]);
    assert.equal(outcomeOf(decision, policy).state, 'ACCEPTED');
    const [routes] = objects(decision, 'HTTPRouteGroup');
    const [target] = objects(decision, 'TrafficTarget');
    assert.ok(routes !== undefined && target !== undefined);
    assert.equal(routes.apiVersion, 'specs.smi-spec.io/v1alpha4');
    assert.equal(routes.metadata.name, 'bookstore-buyer-reads-gloo-mesh');
    assert.deepEqual(specOf(routes), {
      matches: [
        { name: 'path-0', pathRegex: '/books-bought', methods: ['GET', 'POST'] },
        { name: 'path-1', pathRegex: '/buy-a-book/.*', methods: ['GET', 'POST'] },
      ],
    });
    assert.equal(target.apiVersion, 'access.smi-spec.io/v1alpha3');
    assert.equal(target.metadata.name, 'bookstore-buyer-reads-gloo-mesh');
    assert.equal(target.metadata.namespace, 'bookstore', 'OSM reads a TrafficTarget only in its destination namespace');
    assert.deepEqual(specOf(target), {
      destination: { kind: 'ServiceAccount', name: 'bookstore', namespace: 'bookstore' },
      rules: [{ kind: 'HTTPRouteGroup', name: 'bookstore-buyer-reads-gloo-mesh', matches: ['path-0', 'path-1'] }],
      sources: [{ kind: 'ServiceAccount', name: 'bookbuyer', namespace: 'bookbuyer' }],
    });
  });

  it('allows every route and every identity of the mesh when the policy names none', () => {
    const policy = accessPolicy('open', toBookstore);
    const decision = decide(bookstore(), 'bookstore', [], [policy]);
    assert.deepEqual(specOf(objects(decision, 'HTTPRouteGroup')[0]), {
      matches: [{ name: 'any-path', pathRegex: '.*', methods: ['*'] }],
    });
    const target = specOf(objects(decision, 'TrafficTarget')[0]) as { sources: { name: string }[] };
    assert.deepEqual(
      target.sources.map((s) => s.name),
      ['bookbuyer', 'bookstore', 'bookthief'],
    );
  });

  it('warns that OSM enforces no TrafficTarget in permissive traffic policy mode', () => {
    const policy = accessPolicy('open', toBookstore);
    const permissive = meshConfig({ traffic: { enablePermissiveTrafficPolicyMode: true } });
    const result = outcomeOf(decide(bookstore([], [permissive]), 'bookstore', [], [policy]), policy);
    assert.equal(result.state, 'ACCEPTED');
    assert.match(result.warnings.join('\n'), /^OSM does not enforce TrafficTargets: its MeshConfig/m);
    const enforcing = meshConfig({ traffic: { enablePermissiveTrafficPolicyMode: false } });
    assert.deepEqual(outcomeOf(decide(bookstore([], [enforcing]), 'bookstore', [], [policy]), policy).warnings, []);
  });

  it('expands a namespace matcher to the service accounts found there, with a warning', () => {
    const policy = accessPolicy('thief-ns', {
      ...toBookstore,
      sourceSelector: [{ kubeIdentityMatcher: { namespaces: ['bookthief'] } }],
    });
    const decision = decide(bookstore(), 'bookstore', [], [policy]);
    const result = outcomeOf(decision, policy);
    assert.equal(result.state, 'ACCEPTED');
    assert.match(
      result.warnings.join('\n'),
      /SMI names service accounts, not namespaces; allowed the 1 service account/,
    );
    const target = specOf(objects(decision, 'TrafficTarget')[0]) as { sources: unknown[] };
    assert.deepEqual(target.sources, [{ kind: 'ServiceAccount', name: 'bookthief', namespace: 'bookthief' }]);
  });

  it('rejects ports it cannot express and unknown methods', () => {
    const ports = accessPolicy('port', { ...toBookstore, allowedPorts: [8080] });
    const method = accessPolicy('method', { ...toBookstore, allowedMethods: ['FETCH'] });
    const allPorts = accessPolicy('all-ports', { ...toBookstore, allowedPorts: [14001] });
    const decision = decide(bookstore(), 'bookstore', [], [ports, method, allPorts]);
    assert.equal(outcomeOf(decision, ports).state, 'INVALID');
    assert.match(
      outcomeOf(decision, ports).errors.join('\n'),
      /^spec\.allowedPorts: not supported for Open Service Mesh/m,
    );
    assert.equal(outcomeOf(decision, method).state, 'INVALID');
    assert.match(outcomeOf(decision, method).errors.join('\n'), /spec\.allowedMethods\[0\]: "FETCH"/);
    assert.equal(outcomeOf(decision, allPorts).state, 'ACCEPTED');
    assert.deepEqual(
      objects(decision).map((o) => `${o.kind}/${o.metadata.name}`),
      ['HTTPRouteGroup/bookstore-all-ports-gloo-mesh', 'TrafficTarget/bookstore-all-ports-gloo-mesh'],
    );
  });

  it('writes one TrafficTarget per service account behind the Destination', () => {
    const index = bookstore([
      workload('bookstore-v3', 'bookstore', CLUSTER, {
        mesh,
        labels: { app: 'bookstore', version: 'v3' },
        serviceAccount: 'bookstore-v3',
      }),
    ]);
    const policy = accessPolicy('buyer', {
      ...toBookstore,
      sourceSelector: [
        { kubeServiceAccountRefs: { serviceAccounts: [{ name: 'bookbuyer', namespace: 'bookbuyer' }] } },
      ],
    });
    const decision = decide(index, 'bookstore', [], [policy]);
    assert.deepEqual(
      objects(decision, 'TrafficTarget').map((o) => o.metadata.name),
      ['bookstore-buyer-gloo-mesh-bookstore', 'bookstore-buyer-gloo-mesh-bookstore-v3'],
    );
  });

  it('warns that paths and methods do not narrow access to TCP ports', () => {
    const mysql = destination('mysql', 'bookstore', CLUSTER, { mesh, ports: [3306] });
    const port = mysql.spec.kubeService?.ports?.[0];
    assert.ok(port !== undefined);
    port.name = 'tcp-mysql';
    const index = planOf(
      networkingInput({
        meshes: [mesh],
        destinations: [mysql],
        workloads: [workload('mysql', 'bookstore', CLUSTER, { mesh })],
      }),
    );
    const policy = accessPolicy('reads', { allowedMethods: ['GET'] });
    const result = outcomeOf(decide(index, 'mysql', [], [policy]), policy);
    assert.equal(result.state, 'ACCEPTED');
    assert.match(result.warnings.join('\n'), /port 3306 of this Service as TCP/);
  });

  it('fails when the Destination selects no workload: there is no identity to allow access to', () => {
    const index = planOf(
      networkingInput({ meshes: [mesh], destinations: [destination('bookstore', 'bookstore', CLUSTER, { mesh })] }),
    );
    const policy = accessPolicy('any', toBookstore);
    const result = outcomeOf(decide(index, 'bookstore', [], [policy]), policy);
    assert.equal(result.state, 'FAILED');
    assert.match(result.errors.join('\n'), /selects no discovered Workload/);
  });

  it('writes nothing, with a warning, when every allowed identity is in another cluster', () => {
    const policy = accessPolicy('remote', {
      ...toBookstore,
      sourceSelector: [
        {
          kubeServiceAccountRefs: {
            serviceAccounts: [{ name: 'bookbuyer', namespace: 'bookbuyer', clusterName: 'cluster-2' }],
          },
        },
      ],
    });
    const decision = decide(bookstore(), 'bookstore', [], [policy]);
    const result = outcomeOf(decision, policy);
    assert.equal(result.state, 'ACCEPTED');
    assert.match(result.warnings.join('\n'), /no allowed identity is in cluster cluster-1/);
    assert.deepEqual(objects(decision), []);
  });
});

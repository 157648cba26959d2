// `meshctl create` without a terminal: answers (as flags give them) → checked object, against the
// objects of a golden case's management cluster (bookinfo on two Istio clusters in a VirtualMesh,
// with TrafficPolicy gloo-mesh/simple shifting reviews' traffic).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseKubeYaml } from '../../snapshot/yaml.ts';
import { accessPolicyCreate } from './access-policy.ts';
import { answersFromFlags, buildChecked, checkAnswer, missingFlags } from './answers.ts';
import { catalogFromObjects, destinationChoices } from './catalog.ts';
import type { Answer, CreateKind } from './questions.ts';
import { trafficPolicyCreate } from './traffic-policy.ts';
import { virtualMeshCreate } from './virtual-mesh.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const mgmtDir = join(root, 'testdata', 'networking', 'guide-bookinfo-multicluster-shift', 'output', 'mgmt');
const catalog = catalogFromObjects(
  'gloo-mesh',
  readdirSync(mgmtDir).flatMap((file) =>
    parseKubeYaml(readFileSync(join(mgmtDir, file), 'utf8'), file).map((d) => d.object),
  ),
);

const answers = (entries: Record<string, Answer>) => new Map(Object.entries(entries));

function build(kind: CreateKind, entries: Record<string, Answer>) {
  return buildChecked(kind, answersFromFlags(kind, entries), catalog);
}

function problems(kind: CreateKind, entries: Record<string, Answer>): string {
  const built = build(kind, entries);
  if (built.ok) assert.fail(`expected problems, got ${JSON.stringify(built.object)}`);
  return built.problems.join('\n');
}

describe('the catalog offers what discovery found', () => {
  it('Destinations as NAME.NS.CLUSTER with their ports and subsets', () => {
    const reviews = destinationChoices(catalog).find((d) => d.ref === 'reviews.bookinfo.cluster-1');
    assert.ok(reviews);
    assert.deepEqual(reviews.ports, [{ port: 9080, name: 'http' }]);
    assert.deepEqual(reviews.subsets, { version: ['v1', 'v2'] });
    assert.equal(catalog.skipped, 0);
  });
});

describe('meshctl create trafficpolicy from flags', () => {
  it('builds the policy and predicts it accepted, with the VirtualService it changes', () => {
    const built = build(trafficPolicyCreate, {
      name: 'reviews-timeout',
      destination: ['reviews.bookinfo.cluster-1'],
      workloadSelector: ['app=productpage'],
      timeout: '5s',
      retries: '3',
      perTryTimeout: '2s',
    });
    assert.ok(built.ok, built.ok ? '' : built.problems.join('\n'));
    assert.deepEqual(built.object, {
      apiVersion: 'networking.mesh.gloo.solo.io/v1',
      kind: 'TrafficPolicy',
      metadata: { name: 'reviews-timeout', namespace: 'gloo-mesh' },
      spec: {
        sourceSelector: [{ kubeWorkloadMatcher: { labels: { app: 'productpage' } } }],
        destinationSelector: [
          { kubeServiceRefs: { services: [{ name: 'reviews', namespace: 'bookinfo', clusterName: 'cluster-1' }] } },
        ],
        policy: { requestTimeout: '5s', retries: { attempts: 3, perTryTimeout: '2s' } },
      },
    });
    assert.equal(built.prediction?.state, 'ACCEPTED');
    assert.deepEqual(built.prediction.approvals, [
      { key: 'reviews-bookinfo-cluster-1.gloo-mesh.', state: 'ACCEPTED', errors: [] },
    ]);
    assert.deepEqual(built.prediction.outputs, [
      { cluster: 'cluster-1', change: 'updated', object: 'VirtualService bookinfo/reviews' },
      // reviews of cluster-1 is federated to cluster-2: its VirtualService there gets the timeout too.
      { cluster: 'cluster-2', change: 'updated', object: 'VirtualService istio-system/reviews-bookinfo-cluster-1' },
    ]);
  });

  it('writes a traffic shift to a subset', () => {
    const built = build(trafficPolicyCreate, {
      name: 'ratings-shift',
      destination: ['ratings.bookinfo.cluster-1'],
      trafficShift: ['reviews.bookinfo.cluster-1@version=v2:80', 'reviews.bookinfo.cluster-2:20'],
    });
    assert.ok(built.ok, built.ok ? '' : built.problems.join('\n'));
    const spec = built.object.spec as { policy: unknown };
    assert.deepEqual(spec.policy, {
      trafficShift: {
        destinations: [
          {
            weight: 80,
            kubeService: {
              name: 'reviews',
              namespace: 'bookinfo',
              clusterName: 'cluster-1',
              subset: { version: 'v2' },
            },
          },
          { weight: 20, kubeService: { name: 'reviews', namespace: 'bookinfo', clusterName: 'cluster-2' } },
        ],
      },
    });
  });

  it("names the flag and the field: the schema's errors, the controller's checks, unknown references", () => {
    const base = { name: 'x', destination: ['reviews.bookinfo.cluster-1'] };
    assert.match(
      problems(trafficPolicyCreate, { ...base, timeout: '5 seconds' }),
      /^--timeout: spec\.policy\.requestTimeout: /m,
    );
    // The schema takes it; the controller refuses durations Istio cannot apply.
    assert.match(
      problems(trafficPolicyCreate, { ...base, timeout: '500us' }),
      /^--timeout: spec\.policy\.requestTimeout: must be at least 1ms/m,
    );
    assert.match(
      problems(trafficPolicyCreate, { ...base, destination: ['reviews.bookinfo.cluster-9'] }),
      /^--destination: no Destination for Service bookinfo\/reviews in cluster cluster-9/m,
    );
    assert.match(
      problems(trafficPolicyCreate, { ...base, destination: ['reviews'] }),
      /--destination: "reviews": write NAME\.NAMESPACE\.CLUSTER/,
    );
    assert.match(
      problems(trafficPolicyCreate, { ...base, name: 'simple' }),
      /--name: TrafficPolicy gloo-mesh\/simple already exists/,
    );
    assert.match(
      problems(trafficPolicyCreate, { ...base, trafficShift: ['reviews.bookinfo.cluster-1@version=v9:1'] }),
      /--traffic-shift: .*has no subset version=v9/,
    );
  });

  it('reports a conflict with an accepted policy against the flag that causes it', () => {
    const text = problems(trafficPolicyCreate, {
      name: 'second-shift',
      destination: ['reviews.bookinfo.cluster-1'],
      trafficShift: ['reviews.bookinfo.cluster-2:100'],
    });
    assert.match(
      text,
      /^--traffic-shift: reviews-bookinfo-cluster-1\.gloo-mesh\.: conflict: policy\.trafficShift .* TrafficPolicy gloo-mesh\/simple/m,
    );
  });

  it('checks one answer on its own, as the prompt does', () => {
    const before = answers({ name: 'x', destination: ['reviews.bookinfo.cluster-1'] });
    const timeout = trafficPolicyCreate.questions.find((q) => q.key === 'timeout');
    assert.ok(timeout);
    assert.equal(checkAnswer(trafficPolicyCreate, timeout, '10s', before, catalog), undefined);
    assert.equal(checkAnswer(trafficPolicyCreate, timeout, '', before, catalog), undefined);
    assert.match(
      checkAnswer(trafficPolicyCreate, timeout, '0ms', before, catalog) ?? '',
      /requestTimeout: must be at least 1ms/,
    );
  });

  it('lists every required flag that is missing', () => {
    assert.deepEqual(missingFlags(trafficPolicyCreate, answers({})), ['--name', '--destination']);
    assert.deepEqual(missingFlags(accessPolicyCreate, answers({ name: 'a' })), ['--destination', '--identity']);
    assert.deepEqual(missingFlags(virtualMeshCreate, answers({ name: 'a', meshes: ['m'] })), []);
  });
});

describe('meshctl create accesspolicy from flags', () => {
  it('allows service accounts on paths, methods and ports', () => {
    const built = build(accessPolicyCreate, {
      name: 'reviews-from-productpage',
      namespace: 'gloo-mesh',
      destination: ['reviews.bookinfo.cluster-1,reviews.bookinfo.cluster-2'],
      identity: ['bookinfo-productpage.bookinfo.cluster-1'],
      allowedPaths: '/reviews/*',
      allowedMethods: ['get'],
      allowedPorts: ['9080'],
    });
    assert.ok(built.ok, built.ok ? '' : built.problems.join('\n'));
    assert.deepEqual(built.object.spec, {
      sourceSelector: [
        {
          kubeServiceAccountRefs: {
            serviceAccounts: [{ name: 'bookinfo-productpage', namespace: 'bookinfo', clusterName: 'cluster-1' }],
          },
        },
      ],
      destinationSelector: [
        {
          kubeServiceRefs: {
            services: [
              { name: 'reviews', namespace: 'bookinfo', clusterName: 'cluster-1' },
              { name: 'reviews', namespace: 'bookinfo', clusterName: 'cluster-2' },
            ],
          },
        },
      ],
      allowedPaths: ['/reviews/*'],
      allowedMethods: ['GET'],
      allowedPorts: [9080],
    });
    assert.equal(built.prediction?.state, 'ACCEPTED');
    assert.equal(built.prediction.approvals.length, 2);
  });

  it('refuses a port the API cannot hold and a method that is not one', () => {
    const base = { name: 'a', destination: ['reviews.bookinfo.cluster-1'], identity: ['sa.bookinfo.cluster-1'] };
    assert.match(
      problems(accessPolicyCreate, { ...base, allowedPorts: ['70000'] }),
      /--allowed-ports: spec\.allowedPorts\[0\]: must be a port/,
    );
    assert.match(
      problems(accessPolicyCreate, { ...base, allowedMethods: ['FETCH'] }),
      /--allowed-methods: FETCH: not an HTTP method/,
    );
  });
});

describe('meshctl create virtualmesh from flags', () => {
  it('names a Mesh that already belongs to an older VirtualMesh, against --meshes', () => {
    assert.match(
      problems(virtualMeshCreate, { name: 'vm2', meshes: ['istiod-istio-system-cluster-1'], defaultDeny: true }),
      /^--meshes: .*Mesh gloo-mesh\/istiod-istio-system-cluster-1 already belongs to VirtualMesh gloo-mesh\/virtual-mesh/m,
    );
  });

  it('builds the object, and reports limited trust as the controller does, against --mtls', () => {
    const empty = catalogFromObjects('gloo-mesh', catalog.meshes);
    const built = buildChecked(
      virtualMeshCreate,
      answersFromFlags(virtualMeshCreate, {
        name: 'bookinfo',
        meshes: ['istiod-istio-system-cluster-1', 'istiod-istio-system-cluster-2'],
        federation: 'permissive',
        defaultDeny: true,
      }),
      empty,
    );
    assert.ok(built.ok, built.ok ? '' : built.problems.join('\n'));
    assert.deepEqual(built.object.spec, {
      meshes: [
        { name: 'istiod-istio-system-cluster-1', namespace: 'gloo-mesh' },
        { name: 'istiod-istio-system-cluster-2', namespace: 'gloo-mesh' },
      ],
      mtlsConfig: { shared: { rootCertificateAuthority: { generated: {} } } },
      federation: { permissive: {} },
      globalAccessPolicy: 'ENABLED',
    });
    assert.equal(built.prediction?.state, 'ACCEPTED');
    const limited = buildChecked(
      virtualMeshCreate,
      answersFromFlags(virtualMeshCreate, { name: 'b', meshes: ['istiod-istio-system-cluster-1'], mtls: 'limited' }),
      empty,
    );
    assert.match(
      limited.ok ? '' : limited.problems.join('\n'),
      /^--mtls: spec\.mtlsConfig\.limited: limited trust is not supported/m,
    );
  });
});

describe('meshctl create without a terminal', () => {
  // A kubeconfig whose cluster nothing listens on: the command must stop before contacting it.
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-create-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters: [{name: n, cluster: {server: "https://127.0.0.1:1"}}]\ncontexts: [{name: n, context: {cluster: n, user: u}}]\nusers: [{name: u, user: {token: t}}]\ncurrent-context: n\n',
  );
  for (const [kind, flags, missing] of [
    ['trafficpolicy', [], '--name, --destination are missing'],
    ['accesspolicy', ['--name', 'a'], '--destination, --identity are missing'],
    ['virtualmesh', ['--name', 'v'], '--meshes is missing'],
  ] as const) {
    it(`never waits: meshctl create ${kind} ${flags.join(' ')} exits 2 naming ${missing}`, () => {
      const run = spawnSync(
        process.execPath,
        [join(root, 'bin', 'meshctl.js'), '--kubeconfig', kubeconfig, 'create', kind, ...flags],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          timeout: 60_000,
        },
      );
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, new RegExp(`no terminal to ask on, and ${missing}`));
      assert.doesNotMatch(run.stderr, /127\.0\.0\.1/);
    });
  }
});

// The role-based API enforced by the real management-cluster API server: it calls Mesh Hub's webhook
// over loopback (clientConfig.url, trusting the caBundle the webhook keeps) for users it authenticated
// itself (static tokens alice, bob, and mesh-admin in group mesh-admins). Kubernetes RBAC lets each of
// them write every policy kind, so only the webhook decides. The webhook runs with the management
// plane's own ServiceAccount token, under the roles `meshctl install` grants.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { RBAC_MODE_ANNOTATION } from '../../src/api/labels.ts';
import type { KubeObject } from '../../src/api/meta.ts';
import { CONTROLLER_NAME, installObjects } from '../../src/install/manifests.ts';
import {
  rbacWebhookConfiguration,
  rbacWebhookConfigurationName,
  RBAC_WEBHOOK_PATH,
  type FailurePolicy,
  type RbacMode,
} from '../../src/install/rbac-webhook.ts';
import {
  clientFromKubeconfigFile,
  clientFromKubeconfigText,
  KubeApiError,
  type KubeClient,
} from '../../src/kube/client.ts';
import { certificateAuthority, registrationKubeconfig, requestToken } from '../../src/kube/registration.ts';
import {
  CLUSTER_ROLE,
  CLUSTER_ROLE_BINDING,
  MESH_HUB_TYPES,
  VALIDATING_WEBHOOK_CONFIGURATION,
} from '../../src/kube/resources.ts';
import { startRbacWebhook, type RbacWebhook } from '../../src/server/rbac-webhook.ts';
import { meshctl } from '../e2e/support.ts';
import { freshNamespace, testCluster, waitFor } from '../testenv/helpers.ts';

const CONTEXT = 'mgmt';
const TRAFFIC_POLICY =
  MESH_HUB_TYPES.find((type) => type.kind === 'TrafficPolicy') ?? assert.fail('TrafficPolicy type');
const TP = 'networking.mesh.gloo.solo.io/v1';

/** The static tokens of the test environment's users (tokens.csv: token,user,uid[,groups]). */
function userTokens(): Map<string, string> {
  const state = process.env.MESHHUB_TESTENV_STATE ?? '';
  const lines = readFileSync(join(state, CONTEXT, 'tokens.csv'), 'utf8').split('\n');
  return new Map(lines.filter((l) => l !== '').map((line) => [line.split(',')[1] ?? '', line.split(',')[0] ?? '']));
}

function policy(kind: string, name: string, namespace: string, spec: unknown): KubeObject {
  const apiVersion = kind === 'VirtualDestination' ? 'networking.enterprise.mesh.gloo.solo.io/v1beta1' : TP;
  return { apiVersion, kind, metadata: { name, namespace }, spec };
}

const reviews = (namespace = 'bookinfo') => [
  { kubeServiceRefs: { services: [{ name: 'reviews', namespace, clusterName: 'cluster-1' }] } },
];

/** The message of a refused write (the API server's, which carries the webhook's). */
async function refusal(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return '';
  } catch (error) {
    if (error instanceof KubeApiError) return error.message;
    throw error;
  }
}

describe('the role-based API webhook on a real API server', () => {
  it('allows and denies by Role, survives certificate rotation, and follows the failure policy when down', async (t) => {
    const kube = clientFromKubeconfigFile(CONTEXT, process.env.MESHHUB_TEST_KUBECONFIG ?? '', CONTEXT);
    const ns = await freshNamespace(testCluster(CONTEXT), t, 'rbac');
    const tokens = userTokens();
    const ca = certificateAuthority(kube);
    const as = (user: string): KubeClient => {
      const token = tokens.get(user);
      assert.ok(token !== undefined, `test environment user ${user}`);
      return clientFromKubeconfigText(CONTEXT, registrationKubeconfig(CONTEXT, kube.server, ca, token));
    };
    const [alice, bob, admin] = [as('alice'), as('bob'), as('mesh-admin')];

    // The management plane's roles as install writes them (without its Deployment and webhook configuration).
    const objects = installObjects({
      namespace: ns,
      image: 'example.invalid/unused',
      version: '0',
      replicas: 1,
      crds: [],
      rbac: { mode: 'enforcing', failurePolicy: 'Fail', adminUsers: ['admin'] },
    }).filter((o) => !['Namespace', 'Settings', 'Deployment', 'ValidatingWebhookConfiguration'].includes(o.kind));
    for (const object of objects) await kube.apply(object);
    // Kubernetes RBAC lets the three users write every policy kind: only the webhook decides.
    const writer = `rbac-webhook-test-${ns}`;
    await kube.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: writer },
      rules: [
        {
          apiGroups: ['networking.mesh.gloo.solo.io', 'networking.enterprise.mesh.gloo.solo.io'],
          resources: ['trafficpolicies', 'accesspolicies', 'virtualmeshes', 'virtualdestinations'],
          verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'],
        },
      ],
    });
    await kube.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: writer },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: writer },
      subjects: [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' },
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' },
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'mesh-admins' },
      ],
    });
    const vwcName = rbacWebhookConfigurationName(ns);
    t.after(async () => {
      await kube.delete(VALIDATING_WEBHOOK_CONFIGURATION, vwcName).catch(() => undefined);
      await kube.delete(CLUSTER_ROLE_BINDING, writer).catch(() => undefined);
      await kube.delete(CLUSTER_ROLE, writer).catch(() => undefined);
      await kube.delete(CLUSTER_ROLE_BINDING, `mesh-hub-${ns}-controller`).catch(() => undefined);
      await kube.delete(CLUSTER_ROLE, `mesh-hub-${ns}-controller`).catch(() => undefined);
    });
    // Mesh Hub Roles: alice retries and timeouts for reviews in bookinfo; bob AccessPolicies only;
    // the group mesh-admins the bootstrap admin Role.
    const rbacApi = 'rbac.enterprise.mesh.gloo.solo.io/v1';
    const roleAndBinding = (name: string, spec: unknown, subject: { kind: string; name: string }) => [
      { apiVersion: rbacApi, kind: 'Role', metadata: { name, namespace: ns }, spec },
      {
        apiVersion: rbacApi,
        kind: 'RoleBinding',
        metadata: { name, namespace: ns },
        spec: { roleRef: { name, namespace: ns }, subjects: [subject] },
      },
    ];
    for (const object of [
      ...roleAndBinding(
        'reviews-resilience',
        {
          trafficPolicyScopes: [
            {
              trafficPolicyActions: ['RETRIES', 'REQUEST_TIMEOUT'],
              destinationSelectors: [
                { kubeServiceRefs: { services: [{ name: 'reviews', namespace: 'bookinfo', clusterName: '*' }] } },
              ],
            },
          ],
        },
        { kind: 'User', name: 'alice' },
      ),
      ...roleAndBinding('access-policies', { accessPolicyScopes: [{}] }, { kind: 'User', name: 'bob' }),
      {
        apiVersion: rbacApi,
        kind: 'RoleBinding',
        metadata: { name: 'mesh-admins', namespace: ns },
        spec: { roleRef: { name: 'mesh-hub-admin' }, subjects: [{ kind: 'Group', name: 'mesh-admins' }] },
      },
    ])
      await kube.apply(object);

    // The webhook, as the management plane's ServiceAccount.
    const { token } = await requestToken(kube, ns, 3600, CONTROLLER_NAME);
    const controller = clientFromKubeconfigText(CONTEXT, registrationKubeconfig(CONTEXT, kube.server, ca, token));
    const log = pino({ level: 'silent' });
    const start = () =>
      startRbacWebhook({ mgmt: controller, namespace: ns, host: '127.0.0.1', port: 0, log, syncIntervalMs: 500 });
    let webhook: RbacWebhook = await start();
    t.after(async () => {
      await webhook.stop();
    });
    const url = `https://127.0.0.1:${String(webhook.port)}${RBAC_WEBHOOK_PATH}`;
    // Only this test's namespace, so that other tests on the shared environment are never judged.
    const configure = async (mode: RbacMode, failurePolicy: FailurePolicy) => {
      const vwc = rbacWebhookConfiguration({ namespace: ns, mode, failurePolicy, url, adminUsers: [], labels: {} });
      const [hook] = (vwc as unknown as { webhooks: Record<string, unknown>[] }).webhooks;
      assert.ok(hook);
      hook.namespaceSelector = { matchLabels: { 'kubernetes.io/metadata.name': ns } };
      await kube.apply(vwc);
    };
    await configure('enforcing', 'Fail');
    await webhook.sync();
    const vwcBundle = async () =>
      (
        (await kube.get(VALIDATING_WEBHOOK_CONFIGURATION, vwcName)) as unknown as {
          webhooks: { clientConfig: { caBundle?: string } }[];
        }
      ).webhooks[0]?.clientConfig.caBundle;
    const bundle = await vwcBundle();
    assert.ok(bundle !== undefined && bundle !== '', 'the webhook set the caBundle');

    const shift = policy('TrafficPolicy', 'shift', ns, {
      destinationSelector: reviews(),
      policy: {
        trafficShift: {
          destinations: [
            {
              kubeService: {
                name: 'reviews',
                namespace: 'bookinfo',
                clusterName: 'cluster-1',
                subset: { version: 'v2' },
              },
            },
          ],
        },
      },
    });
    // The API server picks the configuration up asynchronously: wait until it calls the webhook.
    await waitFor(
      'the API server to call the webhook',
      async () => (await refusal(() => alice.create(shift))).includes('no bound Role permits'),
      30_000,
    );

    // alice: retries for reviews in bookinfo, nothing more.
    const retries = policy('TrafficPolicy', 'reviews-retries', ns, {
      destinationSelector: reviews(),
      policy: { retries: { attempts: 3 }, requestTimeout: '2s' },
    });
    await alice.create(retries);
    assert.match(
      await refusal(() => alice.create(shift)),
      /admission webhook "rbac\..*" denied the request: user "alice" \(groups system:authenticated\) may not create TrafficPolicy .*\/shift: no bound Role permits trafficPolicyAction TRAFFIC_SHIFT for destination reviews\.bookinfo\.cluster-1/,
    );
    assert.match(
      await refusal(() =>
        alice.create(
          policy('TrafficPolicy', 'other-ns', ns, { destinationSelector: reviews('other'), policy: { retries: {} } }),
        ),
      ),
      /no bound Role permits destinationSelector for destination reviews\.other\.cluster-1/,
    );
    assert.match(
      await refusal(() => alice.create(policy('AccessPolicy', 'alice-ap', ns, { destinationSelector: reviews() }))),
      /no bound Role has accessPolicyScopes \(needed to write an AccessPolicy\)/,
    );

    // bob: AccessPolicies only; and he may not delete alice's TrafficPolicy.
    await bob.create(policy('AccessPolicy', 'bob-ap', ns, { destinationSelector: reviews() }));
    assert.match(
      await refusal(() => bob.create(policy('TrafficPolicy', 'bob-tp', ns, { destinationSelector: reviews() }))),
      /user "bob" \(groups system:authenticated\) may not create TrafficPolicy .*: no bound Role has trafficPolicyScopes/,
    );
    assert.match(
      await refusal(() => bob.delete(TRAFFIC_POLICY, 'reviews-retries', ns)),
      /user "bob" \(groups system:authenticated\) may not delete TrafficPolicy/,
    );

    // The admin group: everything, deletion included.
    await admin.create(shift);
    await admin.create(
      policy('VirtualMesh', 'vm', ns, {
        meshes: [{ name: 'istiod-istio-system-cluster-1', namespace: ns }],
        federation: {},
      }),
    );
    await admin.create(
      policy('VirtualDestination', 'vd', ns, {
        hostname: 'reviews.global',
        port: { number: 9080, protocol: 'http' },
        virtualMesh: { name: 'vm', namespace: ns },
        static: {
          destinations: [{ kubeService: { name: 'reviews', namespace: 'bookinfo', clusterName: 'cluster-1' } }],
        },
      }),
    );
    assert.equal(await admin.delete(TRAFFIC_POLICY, 'shift', ns), true);
    // alice may delete what she may write.
    assert.equal(await alice.delete(TRAFFIC_POLICY, 'reviews-retries', ns), true);

    // meshctl answers from the same Roles on the management cluster, and describes them in words.
    const cli = ['--kubeconfig', process.env.MESHHUB_TEST_KUBECONFIG ?? '', '--context', CONTEXT];
    const file = join(process.env.MESHHUB_TESTENV_STATE ?? '', `rbac-can-i-${ns}.json`);
    writeFileSync(file, JSON.stringify(shift));
    const canI = await meshctl([...cli, 'rbac', 'can-i', '--as', 'alice', '-f', file, '-n', ns]);
    assert.equal(canI.code, 1);
    assert.match(
      canI.stdout,
      /^no {2}TrafficPolicy .*\/shift: no bound Role permits trafficPolicyAction TRAFFIC_SHIFT/,
    );
    const asAdmin = await meshctl([
      ...cli,
      'rbac',
      'can-i',
      '--as',
      'x',
      '--as-group',
      'mesh-admins',
      '-f',
      file,
      '-n',
      ns,
    ]);
    assert.equal(asAdmin.code, 0, asAdmin.stdout);
    const described = await meshctl([...cli, 'describe', 'role', 'reviews-resilience', '-n', ns]);
    assert.match(
      described.stdout,
      /TrafficPolicy \(scope 1\):\n {2}actions: RETRIES, REQUEST_TIMEOUT\n {2}for: destination reviews\.bookinfo\.\*/,
    );
    assert.match(described.stdout, /User alice \(RoleBinding/);

    // Certificate rotation while alice applies policies: no request fails, the caBundle stays.
    const served = new Set<string>();
    let writes = 0;
    const writing = (async () => {
      for (let i = 0; i < 40; i += 1) {
        await alice.apply(
          policy('TrafficPolicy', `loop-${String(i % 5)}`, ns, {
            destinationSelector: reviews(),
            policy: { retries: { attempts: 1 + i } },
          }),
        );
        writes += 1;
      }
    })();
    for (let i = 0; i < 5; i += 1) {
      await webhook.rotate();
      served.add(webhook.state().certificateSerial ?? '');
      await new Promise((r) => setTimeout(r, 150));
    }
    await writing;
    assert.equal(writes, 40);
    assert.equal(served.size, 5, 'five certificates served');
    assert.equal(await vwcBundle(), bundle, 'rotation keeps the CA, so the caBundle is unchanged');

    // Permissive mode: alice's traffic shift is allowed, with a warning in the AdmissionReview response.
    await configure('permissive', 'Fail');
    await webhook.sync();
    assert.equal(webhook.state().mode, 'permissive');
    const review = await postReview(url, Buffer.from(bundle, 'base64').toString('utf8'), {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: 'u1', operation: 'CREATE', userInfo: { username: 'alice', groups: [] }, object: shift },
    });
    assert.equal(review.response.allowed, true);
    assert.match(
      review.response.warnings?.[0] ?? '',
      /permissive mode, would deny\): user "alice" may not create TrafficPolicy/,
    );
    await waitFor(
      'alice allowed in permissive mode',
      async () => (await refusal(() => alice.apply(shift))) === '',
      30_000,
    );

    // The webhook stopped, failure policy Fail: the API server refuses, and meshctl check says so.
    await configure('enforcing', 'Fail');
    await webhook.stop();
    const down = policy('TrafficPolicy', 'while-down', ns, { destinationSelector: reviews(), policy: { retries: {} } });
    await waitFor(
      'the API server to refuse while the webhook is down',
      async () => /failed calling webhook/.test(await refusal(() => alice.create(down))),
      30_000,
    );
    const base = ['--kubeconfig', process.env.MESHHUB_TEST_KUBECONFIG ?? '', '--context', CONTEXT];
    const failing = await meshctl([...base, 'check', '-n', ns]);
    assert.match(
      failing.stdout,
      /FAIL {2}role-based API webhook: enforcing, failure policy Fail: not reachable at https:\/\/127\.0\.0\.1/,
    );
    // Failure policy Ignore: allowed unchecked, even a write the Roles would deny.
    await configure('enforcing', 'Ignore');
    await waitFor(
      'the API server to ignore the stopped webhook',
      async () => (await refusal(() => alice.apply(shift))) === '',
      30_000,
    );
    const ignoring = await meshctl([...base, 'check', '-n', ns]);
    assert.match(
      ignoring.stdout,
      /WARN {2}role-based API webhook: enforcing, failure policy Ignore: not reachable .*policy writes are allowed unchecked/,
    );

    // Started again: the same Secret, so the same CA and caBundle; check passes with the certificate's expiry.
    webhook = await start();
    const again = `https://127.0.0.1:${String(webhook.port)}${RBAC_WEBHOOK_PATH}`;
    const vwc = rbacWebhookConfiguration({
      namespace: ns,
      mode: 'enforcing',
      failurePolicy: 'Fail',
      url: again,
      adminUsers: [],
      labels: {},
    });
    const [hook] = (vwc as unknown as { webhooks: Record<string, unknown>[] }).webhooks;
    assert.ok(hook);
    hook.namespaceSelector = { matchLabels: { 'kubernetes.io/metadata.name': ns } };
    await kube.apply(vwc);
    await webhook.sync();
    assert.equal(await vwcBundle(), bundle);
    const passing = await meshctl([...base, 'check', '-n', ns]);
    assert.match(
      passing.stdout,
      /PASS {2}role-based API webhook: enforcing, failure policy Fail, reachable at https:\/\/127\.0\.0\.1:\d+\/admission, certificate valid until \S+ \((29|30) days\)/,
    );
    assert.equal(
      (await kube.get(VALIDATING_WEBHOOK_CONFIGURATION, vwcName))?.metadata.annotations?.[RBAC_MODE_ANNOTATION],
      'enforcing',
    );
  });
});

async function postReview(
  url: string,
  ca: string,
  body: unknown,
): Promise<{ response: { allowed: boolean; warnings?: string[] } }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, headers: { 'Content-Type': 'application/json' } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => {
        resolve(JSON.parse(text) as { response: { allowed: boolean; warnings?: string[] } });
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

// The management plane's roles as `meshctl install` writes them, on a real API server, used with a
// token of its ServiceAccount: Secrets only in the install namespace and the root CA namespaces the
// operator listed, its own namespace object (its identity) and no other. And what `meshctl cluster
// register` grants on a workload cluster for metrics: the mesh's Prometheus Service through the
// service proxy, by the exact name the API server authorizes, and no other Service.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTROLLER_NAME, installObjects } from '../../src/install/manifests.ts';
import { clientFromKubeconfigFile, clientFromKubeconfigText } from '../../src/kube/client.ts';
import { readIdentity } from '../../src/kube/ownership.ts';
import {
  certificateAuthority,
  deregisterCluster,
  registerCluster,
  registrationKubeconfig,
  requestToken,
} from '../../src/kube/registration.ts';
import { metricsReaderRoleName, REMOTE_SERVICE_ACCOUNT } from '../../src/install/manifests.ts';
import { serviceProxyPath } from '../../src/metrics/metrics-sources.ts';
import { createMetricsProvider } from '../../src/metrics/provider.ts';
import { DISCOVERY_CLUSTER_LABEL } from '../../src/api/labels.ts';
import { kubeconfigFromSecret } from '../../src/reconcile/registered-clusters.ts';
import {
  CLUSTER_ROLE,
  CLUSTER_ROLE_BINDING,
  MESH_HUB_ROLE,
  MESH_HUB_ROLE_BINDING,
  NAMESPACE,
  ROLE,
  SECRET,
  VALIDATING_WEBHOOK_CONFIGURATION,
} from '../../src/kube/resources.ts';
import { rbacWebhookConfigurationName } from '../../src/install/rbac-webhook.ts';
import { freshNamespace, statusOfCall, testCluster } from '../testenv/helpers.ts';

const CONTEXT = 'mgmt';

describe('management plane RBAC on a real API server', () => {
  it('reads Secrets only in the install namespace and the listed root CA namespaces, and its own namespace only', async (t) => {
    const path = process.env.MESHHUB_TEST_KUBECONFIG ?? '';
    const cluster = testCluster(CONTEXT);
    const kube = clientFromKubeconfigFile(CONTEXT, path, CONTEXT);
    const install = await freshNamespace(cluster, t, 'install');
    const roots = await freshNamespace(cluster, t, 'pki');
    const other = await freshNamespace(cluster, t, 'team');
    const objects = installObjects({
      namespace: install,
      image: 'example.invalid/unused',
      version: '0',
      replicas: 1,
      crds: [],
      rootCaNamespaces: [roots],
    }).filter(
      (object) => !['Namespace', 'Settings', 'Deployment', 'ValidatingWebhookConfiguration'].includes(object.kind),
    );
    for (const object of objects) await kube.apply(object);
    t.after(async () => {
      await kube.delete(CLUSTER_ROLE_BINDING, `mesh-hub-${install}-controller`).catch(() => undefined);
      await kube.delete(CLUSTER_ROLE, `mesh-hub-${install}-controller`).catch(() => undefined);
    });
    const { token } = await requestToken(kube, install, 3600, CONTROLLER_NAME);
    const controller = clientFromKubeconfigText(
      CONTEXT,
      registrationKubeconfig(CONTEXT, kube.server, certificateAuthority(kube), token),
    );

    // Its identity: its own namespace's UID, and no other namespace.
    assert.equal(await readIdentity(controller, install), (await kube.get(NAMESPACE, install))?.metadata.uid);
    assert.equal(await statusOfCall(() => controller.get(NAMESPACE, other)), 403);
    // Secrets: the install namespace and the root CA namespace, by name (as the root watches ask) or all.
    assert.equal(await statusOfCall(() => controller.list(SECRET, { namespace: install })), 0);
    assert.equal(
      await statusOfCall(() => controller.list(SECRET, { namespace: roots, fieldSelector: 'metadata.name=root' })),
      0,
    );
    assert.equal(await statusOfCall(() => controller.list(SECRET, { namespace: other })), 403);
    assert.equal(
      await statusOfCall(() => controller.list(SECRET, { namespace: other, fieldSelector: 'metadata.name=root' })),
      403,
    );
    assert.equal(await statusOfCall(() => controller.list(SECRET, {})), 403, 'no cluster-wide Secret read');
    assert.equal(
      await statusOfCall(() =>
        controller.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: roots } }),
      ),
      403,
      'root CA namespaces are read only',
    );
    // The role-based API webhook: its Roles and RoleBindings in the install namespace; its own
    // ValidatingWebhookConfiguration (get and patch for the caBundle), no other.
    assert.equal(await statusOfCall(() => controller.list(MESH_HUB_ROLE, { namespace: install })), 0);
    assert.equal(await statusOfCall(() => controller.list(MESH_HUB_ROLE_BINDING, { namespace: install })), 0);
    assert.equal(await statusOfCall(() => controller.list(MESH_HUB_ROLE, { namespace: other })), 403);
    assert.equal(
      await statusOfCall(() => controller.get(VALIDATING_WEBHOOK_CONFIGURATION, rbacWebhookConfigurationName(install))),
      0,
      'allowed to read its own (absent here: get answers undefined)',
    );
    assert.equal(
      await statusOfCall(() => controller.get(VALIDATING_WEBHOOK_CONFIGURATION, rbacWebhookConfigurationName(other))),
      403,
    );
    assert.equal(await statusOfCall(() => controller.list(VALIDATING_WEBHOOK_CONFIGURATION, {})), 403);
    // The dashboard: it may ask who a token is and what that user may read, and nothing more of either API.
    const review = await controller.request<{ status?: { authenticated?: boolean } }>(
      'POST',
      '/apis/authentication.k8s.io/v1/tokenreviews',
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
    );
    assert.equal(review.status?.authenticated, true);
    const access = await controller.request<{ status?: { allowed?: boolean } }>(
      'POST',
      '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: `system:serviceaccount:${install}:${CONTROLLER_NAME}`,
          resourceAttributes: { verb: 'list', resource: 'secrets', namespace: other },
        },
      },
    );
    assert.equal(access.status?.allowed, false);
    assert.equal(
      await statusOfCall(() => controller.request('GET', '/apis/authorization.k8s.io/v1/subjectaccessreviews')),
      403,
      'create only',
    );
  });
});

describe('what cluster registration grants for metrics, on a real API server', () => {
  it("lets the registered identity GET the mesh's Prometheus through the service proxy, and no other Service", async (t) => {
    const path = process.env.MESHHUB_TEST_KUBECONFIG ?? '';
    const mgmt = clientFromKubeconfigFile('mgmt', path, 'mgmt');
    const remote = clientFromKubeconfigFile('cluster-1', path, 'cluster-1');
    const install = await freshNamespace(testCluster('mgmt'), t, 'metrics-rbac');
    // Istio's control-plane namespace of this test, so that tests beside it never share its Role.
    const meshNamespace = await freshNamespace(testCluster('cluster-1'), t, 'metrics-istio');
    const absent = ['linkerd-viz', 'osm-system'];
    const existing = await Promise.all(absent.map((name) => remote.get(NAMESPACE, name)));
    const result = await registerCluster({
      cluster: 'cluster-1',
      installNamespace: install,
      mgmt,
      remote,
      clusterDomain: 'cluster.local',
      tokenLifetimeSeconds: 3600,
      meshNamespaces: [meshNamespace],
    });
    t.after(() => deregisterCluster({ cluster: 'cluster-1', installNamespace: install, mgmt, remote }));
    const role = metricsReaderRoleName(install);
    assert.ok(result.remoteObjects.includes(`Role ${meshNamespace}/${role}`), JSON.stringify(result.remoteObjects));
    // Namespaces of meshes that are not there get no Role, and are not created for one.
    absent.forEach((name, index) => {
      if (existing[index] !== undefined) return;
      assert.ok(
        result.skippedObjects.some((line) => line.startsWith(`Role ${name}/${role}: namespace ${name} does not exist`)),
        JSON.stringify(result.skippedObjects),
      );
    });
    for (const [index, name] of absent.entries())
      if (existing[index] === undefined) assert.equal(await remote.get(NAMESPACE, name), undefined, name);

    // The registered credentials, exactly as the management plane reads them from its Secret.
    const secret = await mgmt.get(SECRET, 'cluster-1', install);
    assert.ok(secret !== undefined);
    const kubeconfig = kubeconfigFromSecret(secret, 'cluster-1');
    assert.ok(kubeconfig !== undefined);
    const registered = clientFromKubeconfigText('cluster-1', kubeconfig);

    // What the RBAC authorizer answers for that identity: the Prometheus name allowed, others denied.
    const canProxy = async (namespace: string, name: string): Promise<boolean | undefined> => {
      const review = await registered.request<{ status?: { allowed?: boolean } }>(
        'POST',
        '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            resourceAttributes: { verb: 'get', resource: 'services', subresource: 'proxy', namespace, name },
          },
        },
      );
      return review.status?.allowed;
    };
    assert.equal(await canProxy(meshNamespace, 'prometheus:9090'), true);
    assert.equal(await canProxy(meshNamespace, 'kubernetes:443'), false);
    assert.equal(await canProxy('default', 'kubernetes:443'), false);
    assert.equal(await canProxy('default', 'prometheus:9090'), false, 'only in the mesh namespace');
    // The same question asked by an administrator about the ServiceAccount (SubjectAccessReview).
    const review = await remote.request<{ status?: { allowed?: boolean } }>(
      'POST',
      '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: `system:serviceaccount:${install}:${REMOTE_SERVICE_ACCOUNT}`,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${install}`, 'system:authenticated'],
          resourceAttributes: {
            verb: 'get',
            resource: 'services',
            subresource: 'proxy',
            namespace: meshNamespace,
            name: 'prometheus:9090',
          },
        },
      },
    );
    assert.equal(review.status?.allowed, true);

    // Real requests through the proxy. A Prometheus Service without endpoints (no kubelets here):
    // the request is authorized and the proxy answers 503, not 403.
    await remote.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'prometheus', namespace: meshNamespace },
      spec: { ports: [{ name: 'http', port: 9090 }] },
    });
    const query = new URLSearchParams({ query: 'up' });
    const proxied = (service: string, port: number, namespace = meshNamespace) =>
      statusOfCall(() =>
        registered.request('GET', serviceProxyPath({ namespace, service, port }, '/api/v1/query', query)),
      );
    // The provider's own path, `services/prometheus:9090/proxy/…`.
    const status = await proxied('prometheus', 9090);
    assert.notEqual(status, 403, 'the provider’s request is authorized');
    assert.equal(status, 503, 'no endpoints behind the Service');
    // The authorizer sees the path's name segment as written: NAME:PORT. The bare name and the
    // scheme-prefixed form are other names, not granted.
    const raw = (segment: string) =>
      statusOfCall(() =>
        registered.request(
          'GET',
          `/api/v1/namespaces/${meshNamespace}/services/${segment}/proxy/api/v1/query?query=up`,
        ),
      );
    assert.equal(await raw('prometheus'), 403);
    assert.equal(await raw('http:prometheus:9090'), 403);
    assert.equal(await proxied('kubernetes', 443, 'default'), 403);
    // Still nothing else: reading the Service itself or Secrets there.
    assert.equal(await statusOfCall(() => registered.list(SECRET, { namespace: meshNamespace })), 403);

    // The management plane's provider, with an Istio mesh discovered there and no annotation, reads
    // that Service with the registered credentials: the proxy lets it through (no endpoints), no 403.
    await mgmt.apply({
      apiVersion: 'discovery.mesh.gloo.solo.io/v1',
      kind: 'Mesh',
      metadata: { name: 'istiod-cluster-1', namespace: install, labels: { [DISCOVERY_CLUSTER_LABEL]: 'cluster-1' } },
      spec: { istio: { installation: { namespace: meshNamespace, cluster: 'cluster-1' } } },
    });
    const provider = createMetricsProvider({ managementClient: mgmt, installNamespace: install, timeoutMs: 10_000 });
    const [state] = (await provider.estate(60)).clusters;
    assert.equal(state?.source, `service ${meshNamespace}/prometheus:9090 through the API server`);
    assert.equal(state.state, 'no-metrics', 'nothing answers behind the Service');
    assert.doesNotMatch(state.reason, /403|forbidden/i);
    assert.match(state.reason, /503|endpoints/i);

    // Deregistration removes the Role again.
    await deregisterCluster({ cluster: 'cluster-1', installNamespace: install, mgmt, remote });
    assert.equal(await remote.get(ROLE, role, meshNamespace), undefined);
  });

  it('grants nothing for metrics with metricsAccess off (meshctl cluster register --no-metrics-access)', async (t) => {
    const path = process.env.MESHHUB_TEST_KUBECONFIG ?? '';
    const mgmt = clientFromKubeconfigFile('mgmt', path, 'mgmt');
    const remote = clientFromKubeconfigFile('cluster-1', path, 'cluster-1');
    const install = await freshNamespace(testCluster('mgmt'), t, 'metrics-off');
    const meshNamespace = await freshNamespace(testCluster('cluster-1'), t, 'metrics-off-istio');
    const result = await registerCluster({
      cluster: 'cluster-1',
      installNamespace: install,
      mgmt,
      remote,
      clusterDomain: 'cluster.local',
      tokenLifetimeSeconds: 3600,
      meshNamespaces: [meshNamespace],
      metricsAccess: false,
    });
    t.after(() => deregisterCluster({ cluster: 'cluster-1', installNamespace: install, mgmt, remote }));
    assert.deepEqual(result.skippedObjects, []);
    assert.equal(await remote.get(ROLE, metricsReaderRoleName(install), meshNamespace), undefined);
    const { token } = await requestToken(remote, install, 600);
    const registered = clientFromKubeconfigText(
      'cluster-1',
      registrationKubeconfig('cluster-1', remote.server, certificateAuthority(remote), token),
    );
    const proxyPath = serviceProxyPath(
      { namespace: meshNamespace, service: 'prometheus', port: 9090 },
      '/api/v1/query',
      new URLSearchParams({ query: 'up' }),
    );
    assert.equal(await statusOfCall(() => registered.request('GET', proxyPath)), 403);
  });
});

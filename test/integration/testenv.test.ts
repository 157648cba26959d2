// Proof that the test environment is real Kubernetes: objects persist, CRD schemas are enforced,
// RBAC and TokenRequest work, and the controller manager runs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { freshNamespace, statusOf, testCluster, waitFor } from '../testenv/helpers.ts';

const cluster1 = testCluster('cluster-1');

describe('the test environment', () => {
  it('runs three clusters with the expected Kubernetes version', async () => {
    for (const name of ['mgmt', 'cluster-1', 'cluster-2']) {
      const version = await testCluster(name).kubeConfig.makeApiClient(k8s.VersionApi).getCode();
      assert.equal(version.gitVersion, 'v1.37.2', name);
    }
  });

  it('stores a Deployment, Service and Pod, and its controller manager creates ReplicaSets and EndpointSlices', async (t) => {
    const namespace = await freshNamespace(cluster1, t);
    const labels = { app: 'web' };
    await cluster1.apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web', labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
        },
      },
    });
    await cluster1.core.createNamespacedService({
      namespace,
      body: { metadata: { name: 'web' }, spec: { selector: labels, ports: [{ name: 'http', port: 80 }] } },
    });
    await cluster1.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'standalone', labels: { app: 'other' } },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      },
    });
    const service = await cluster1.core.readNamespacedService({ name: 'web', namespace });
    assert.deepEqual(service.spec?.selector, labels);
    assert.match(service.spec.clusterIP ?? '', /^10\.97\./, 'cluster-1 has its own service CIDR');
    const pod = await cluster1.core.readNamespacedPod({ name: 'standalone', namespace });
    assert.equal(pod.status?.phase, 'Pending', 'no kubelet: pods stay Pending');
    await waitFor('a ReplicaSet for the Deployment', async () => {
      const list = await cluster1.apps.listNamespacedReplicaSet({ namespace });
      return list.items.some((rs) => rs.metadata?.ownerReferences?.[0]?.name === 'web');
    });
    const discovery = cluster1.kubeConfig.makeApiClient(k8s.DiscoveryV1Api);
    await waitFor('an EndpointSlice for the Service', async () => {
      const slices = await discovery.listNamespacedEndpointSlice({
        namespace,
        labelSelector: 'kubernetes.io/service-name=web',
      });
      return slices.items.length === 1;
    });
  });

  it('rejects a Mesh Hub object that violates its CRD schema', async (t) => {
    const namespace = await freshNamespace(cluster1, t);
    const policy = {
      apiVersion: 'networking.mesh.gloo.solo.io/v1',
      kind: 'TrafficPolicy',
      metadata: { name: 'bad', namespace },
      spec: { policy: { requestTimeout: 5 } },
    };
    await assert.rejects(cluster1.objects.create(policy), (error: unknown) => {
      assert.equal(statusOf(error), 422);
      assert.match(String(error), /spec\.policy\.requestTimeout/);
      return true;
    });
    await cluster1.objects.create({ ...policy, spec: { policy: { requestTimeout: '5s' } } });
  });

  it("rejects an Istio VirtualService with a wrong field type (Istio's own CRD)", async (t) => {
    const namespace = await freshNamespace(cluster1, t);
    const virtualService = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'reviews', namespace },
      spec: { hosts: 'reviews' },
    };
    await assert.rejects(cluster1.objects.create(virtualService), (error: unknown) => {
      assert.equal(statusOf(error), 422);
      assert.match(String(error), /spec\.hosts/);
      return true;
    });
    await cluster1.objects.create({ ...virtualService, spec: { hosts: ['reviews'] } });
  });

  it('denies a TokenRequest token before a RoleBinding and allows it after', async (t) => {
    const namespace = await freshNamespace(cluster1, t);
    await cluster1.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'reader' } } });
    const request = await cluster1.core.createNamespacedServiceAccountToken({
      name: 'reader',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const token = request.status?.token ?? '';
    assert.ok(token.length > 0);
    const asReader = new k8s.KubeConfig();
    const current = cluster1.kubeConfig.getCurrentCluster();
    assert.ok(current);
    asReader.loadFromOptions({
      clusters: [current],
      users: [{ name: 'reader', token }],
      contexts: [{ name: 'reader', cluster: current.name, user: 'reader' }],
      currentContext: 'reader',
    });
    const readerCore = asReader.makeApiClient(k8s.CoreV1Api);
    await assert.rejects(readerCore.listNamespacedPod({ namespace }), (error: unknown) => statusOf(error) === 403);
    const rbac = cluster1.kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: { metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace }],
      },
    });
    await waitFor('the RoleBinding to take effect', async () => {
      await readerCore.listNamespacedPod({ namespace });
      return true;
    });
    await assert.rejects(readerCore.listNamespacedSecret({ namespace }), (error: unknown) => statusOf(error) === 403);
  });

  it('finishes deleting a namespace (the namespace controller runs)', async () => {
    const name = `deleted-${Date.now().toString(36)}`;
    await cluster1.core.createNamespace({ body: { metadata: { name } } });
    await cluster1.core.createNamespacedConfigMap({
      namespace: name,
      body: { metadata: { name: 'x' }, data: { a: 'b' } },
    });
    await cluster1.core.deleteNamespace({ name });
    await waitFor(
      `namespace ${name} to be gone`,
      async () => {
        try {
          await cluster1.core.readNamespace({ name });
          return false;
        } catch (error) {
          return statusOf(error) === 404;
        }
      },
      60_000,
    );
  });
});

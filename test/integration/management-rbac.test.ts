// The management plane's roles as `meshctl install` writes them, on a real API server, used with a
// token of its ServiceAccount: Secrets only in the install namespace and the root CA namespaces the
// operator listed, its own namespace object (its identity) and no other.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTROLLER_NAME, installObjects } from '../../src/install/manifests.ts';
import { clientFromKubeconfigFile, clientFromKubeconfigText } from '../../src/kube/client.ts';
import { readIdentity } from '../../src/kube/ownership.ts';
import { certificateAuthority, registrationKubeconfig, requestToken } from '../../src/kube/registration.ts';
import {
  CLUSTER_ROLE,
  CLUSTER_ROLE_BINDING,
  MESH_HUB_ROLE,
  MESH_HUB_ROLE_BINDING,
  NAMESPACE,
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

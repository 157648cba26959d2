// What integration tests get: clients for each test cluster and a fresh namespace per test.
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { KubeApiError } from '../../src/kube/client.ts';

export interface TestCluster {
  readonly name: string;
  readonly kubeConfig: k8s.KubeConfig;
  readonly core: k8s.CoreV1Api;
  readonly apps: k8s.AppsV1Api;
  readonly objects: k8s.KubernetesObjectApi;
}

/** Clients for the cluster named `name` (context of the same name) in the test kubeconfig. */
export function testCluster(name: string): TestCluster {
  const path = process.env.MESHHUB_TEST_KUBECONFIG;
  if (path === undefined || path === '') {
    throw new Error('MESHHUB_TEST_KUBECONFIG is not set: run integration tests through `npm test -- integration`');
  }
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromFile(path);
  kubeConfig.setCurrentContext(name);
  return {
    name,
    kubeConfig,
    core: kubeConfig.makeApiClient(k8s.CoreV1Api),
    apps: kubeConfig.makeApiClient(k8s.AppsV1Api),
    objects: k8s.KubernetesObjectApi.makeApiClient(kubeConfig),
  };
}

/**
 * Creates a uniquely named namespace, waits for its default ServiceAccount (made by the controller
 * manager; pods cannot be created before it exists) and deletes the namespace after the test.
 */
export async function freshNamespace(cluster: TestCluster, t: TestContext, prefix = 'test'): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await cluster.core.createNamespace({ body: { metadata: { name } } });
  t.after(async () => {
    await cluster.core.deleteNamespace({ name }).catch(() => undefined);
  });
  await waitFor(`default ServiceAccount in ${name}`, async () => {
    await cluster.core.readNamespacedServiceAccount({ name: 'default', namespace: name });
    return true;
  });
  return name;
}

/** Polls until `check` returns true (errors count as not yet), or fails naming what it waited for. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `timed out after ${timeoutMs / 1000} s waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
  );
}

/** The HTTP status a Mesh Hub client call fails with (0: it did not fail); other errors are rethrown. */
export async function statusOfCall(call: () => Promise<unknown>): Promise<number> {
  try {
    await call();
    return 0;
  } catch (error) {
    if (error instanceof KubeApiError) return error.status;
    throw error;
  }
}

/** The HTTP status of a failed client-node call, if it has one. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof k8s.ApiException ? error.code : undefined;
}

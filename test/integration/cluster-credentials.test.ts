// Credentials against real API servers: the pod's own ServiceAccount token is re-read when the
// kubelet rotates it (the old one revoked), and a registration Secret that asks for anything but a
// server, CA data and a token is refused by `meshctl cluster list`'s probe without running anything.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { probeRegisteredCluster } from '../../src/cli/commands/cluster.ts';
import { KubeApiError, KubeClient, clientForServer, clientFromKubeconfigFile } from '../../src/kube/client.ts';
import { SERVICE_ACCOUNT_DIR_ENV, inClusterCredentials, staticCredentials } from '../../src/kube/credentials.ts';
import { kubeconfigSecret } from '../../src/kube/registration.ts';
import { SECRET } from '../../src/kube/resources.ts';
import { freshNamespace, testCluster, waitFor } from '../testenv/helpers.ts';

function kubeconfigPath(): string {
  const path = process.env.MESHHUB_TEST_KUBECONFIG;
  if (path === undefined || path === '') throw new Error('MESHHUB_TEST_KUBECONFIG is not set');
  return path;
}

/** A token for `serviceAccount`, valid only while the Secret `boundTo` exists. */
async function boundToken(admin: KubeClient, namespace: string, serviceAccount: string, boundTo: string) {
  const secret = await admin.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: boundTo, namespace },
    type: 'Opaque',
  });
  const response = await admin.request<{ status?: { token?: string } }>(
    'POST',
    `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`,
    {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        expirationSeconds: 3600,
        boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: boundTo, uid: secret.metadata.uid },
      },
    },
  );
  const token = response.status?.token;
  assert.ok(token !== undefined && token !== '');
  return token;
}

describe('cluster credentials', () => {
  it('an in-cluster client keeps working when its projected token is rotated and the old one revoked', async (t) => {
    const cluster = testCluster('cluster-1');
    const namespace = await freshNamespace(cluster, t, 'token');
    const admin = clientFromKubeconfigFile('cluster-1', kubeconfigPath(), 'cluster-1');
    await admin.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'rotating', namespace } });
    await admin.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'rotating-view', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: 'rotating', namespace }],
    });
    const first = await boundToken(admin, namespace, 'rotating', 'bind-1');
    const second = await boundToken(admin, namespace, 'rotating', 'bind-2');
    const ca = admin.kubeConfig.getCurrentCluster()?.caFile;
    assert.ok(ca !== undefined);
    const dir = mkdtempSync(join(tmpdir(), 'serviceaccount-'));
    t.after(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const write = (name: string, content: string) => {
      writeFileSync(join(dir, `${name}.new`), content);
      renameSync(join(dir, `${name}.new`), join(dir, name));
    };
    write('ca.crt', readFileSync(ca, 'utf8'));
    write('token', first);
    const url = new URL(admin.server);
    // As a server process in a pod finds it: no kubeconfig, the service host and port, the mounted files.
    const saved = { ...process.env };
    t.after(() => {
      for (const key of ['KUBECONFIG', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT', SERVICE_ACCOUNT_DIR_ENV]) {
        if (saved[key] === undefined) Reflect.deleteProperty(process.env, key);
        else process.env[key] = saved[key];
      }
    });
    Reflect.deleteProperty(process.env, 'KUBECONFIG');
    process.env.KUBERNETES_SERVICE_HOST = url.hostname;
    process.env.KUBERNETES_SERVICE_PORT = url.port;
    process.env[SERVICE_ACCOUNT_DIR_ENV] = dir;
    const client = clientForServer('cluster-1', undefined);
    const path = `/api/v1/namespaces/${namespace}/configmaps`;
    await client.request('GET', path);

    // The kubelet writes the new token; the old one stops working (its bound object is gone).
    write('token', second);
    await admin.delete(SECRET, 'bind-1', namespace);
    const old = new KubeClient(
      'old',
      staticCredentials({ server: admin.server, caPem: readFileSync(ca, 'utf8'), token: first }),
    );
    await waitFor('the first token revoked', async () => {
      try {
        await old.request('GET', path);
        return false;
      } catch (error) {
        return error instanceof KubeApiError && error.status === 401;
      }
    });
    // Straight away (within the stat interval the 401 makes it read the file) and later on.
    await client.request('GET', path);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await client.request('GET', path);

    // And the same through inClusterCredentials given the directory directly, starting on the old token.
    write('token', first);
    const direct = new KubeClient('cluster-1', inClusterCredentials({ dir, host: url.hostname, port: url.port }));
    await assert.rejects(
      direct.request('GET', path),
      (error: unknown) => error instanceof KubeApiError && error.status === 401,
    );
    write('token', second);
    await direct.request('GET', path);
  });

  it('meshctl cluster list refuses adversarial registration Secrets, naming the field, running nothing', async (t) => {
    const mgmtCluster = testCluster('mgmt');
    const namespace = await freshNamespace(mgmtCluster, t, 'evil');
    const mgmt = clientFromKubeconfigFile('mgmt', kubeconfigPath(), 'mgmt');
    const dir = mkdtempSync(join(tmpdir(), 'adversarial-'));
    t.after(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const marker = join(dir, 'exec-ran');
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'stolen');
    const server = mgmt.server;
    const kubeconfig = (cluster: Record<string, unknown>, user: Record<string, unknown>) =>
      stringify({
        clusters: [{ name: 'c', cluster }],
        users: [{ name: 'u', user }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      });
    const cases: [string, string, RegExp][] = [
      [
        'exec',
        kubeconfig(
          { server },
          {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1',
              command: '/bin/sh',
              args: ['-c', `touch ${marker}`],
            },
          },
        ),
        /users\[0\]\.user\.exec: exec plugins are not allowed in a registration kubeconfig/,
      ],
      ['token-file', kubeconfig({ server }, { tokenFile }), /users\[0\]\.user\.tokenFile: token files are not allowed/],
      [
        'skip-tls',
        kubeconfig({ server, 'insecure-skip-tls-verify': true }, { token: 'x' }),
        /clusters\[0\]\.cluster\.insecure-skip-tls-verify: skipping TLS verification is not allowed/,
      ],
      [
        'http',
        kubeconfig({ server: server.replace('https:', 'http:') }, { token: 'x' }),
        /clusters\[0\]\.cluster\.server: must be an https:\/\/ URL/,
      ],
      [
        'auth-provider',
        kubeconfig({ server }, { 'auth-provider': { name: 'gcp' } }),
        /users\[0\]\.user\.auth-provider: auth providers are not allowed/,
      ],
      [
        'cert-file',
        kubeconfig({ server }, { 'client-certificate': tokenFile, 'client-key': tokenFile }),
        /users\[0\]\.user\.client-certificate: client certificate files are not allowed/,
      ],
    ];
    for (const [name, text] of cases) await mgmt.apply(kubeconfigSecret(name, namespace, text));
    for (const [name, , expected] of cases) {
      const { client, result } = await probeRegisteredCluster(mgmt, namespace, name, name);
      assert.equal(client, undefined, `${name}: no client made`);
      assert.equal(result.reachable, false, name);
      assert.match(result.message, expected, name);
      assert.ok(!result.message.includes(dir) && !result.message.includes(server), `${name}: no value quoted`);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(existsSync(marker), false, 'the exec command never ran');
  });
});

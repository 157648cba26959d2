// `meshctl version` against a real management cluster: the server version is the image tag of the
// management plane's Deployment in the install namespace; without one it says it is not installed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CONTROLLER_NAME } from '../../src/install/manifests.ts';
import { freshNamespace, testCluster } from '../testenv/helpers.ts';

const root = join(import.meta.dirname, '..', '..');

function meshctl(...args: string[]) {
  const kubeconfig = process.env.MESHHUB_TEST_KUBECONFIG ?? '';
  const run = spawnSync(
    process.execPath,
    [join(root, 'bin', 'meshctl.js'), '--kubeconfig', kubeconfig, '--context', 'mgmt', ...args],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('meshctl version against the management cluster', () => {
  it("reads the server version from the management plane's Deployment", async (t) => {
    const mgmt = testCluster('mgmt');
    const namespace = await freshNamespace(mgmt, t, 'version');
    const labels = { app: CONTROLLER_NAME };
    await mgmt.apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: CONTROLLER_NAME, namespace },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'controller', image: 'registry.example/mesh-hub:7.7.7' }] },
          },
        },
      },
    });

    const table = meshctl('version', '-n', namespace);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`\nserver: 7\\.7\\.7 \\(${namespace}/${CONTROLLER_NAME}, \\d/2 ready\\)\n$`));

    const json = meshctl('version', '-n', namespace, '-o', 'json');
    const data = JSON.parse(json.stdout) as { server: Record<string, unknown> };
    assert.deepEqual(
      { ...data.server, readyReplicas: 0 },
      {
        state: 'installed',
        version: '7.7.7',
        image: 'registry.example/mesh-hub:7.7.7',
        deployment: `${namespace}/${CONTROLLER_NAME}`,
        readyReplicas: 0,
        replicas: 2,
      },
    );
  });

  it('says when the install namespace holds no management plane', async (t) => {
    const mgmt = testCluster('mgmt');
    const namespace = await freshNamespace(mgmt, t, 'version');
    const run = meshctl('version', '-n', namespace, '-o', 'yaml');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\nserver:\n(?: {2}.*\n)* {2}state: not installed\n/);
    const table = meshctl('version', '-n', namespace);
    assert.match(table.stdout, new RegExp(`server: not installed \\(no Deployment ${namespace}/${CONTROLLER_NAME};`));
  });
});

// The image `npm run image` builds, with the real podman. Built twice from the same inputs (the
// second time with every input file's time changed): the same ID and the same OCI archive bytes. It
// runs as uid 65532 on a read-only root filesystem, has no shell and carries this checkout's OCI
// labels. Then the controller and the cert agents run from it against three real clusters the way a
// Pod runs them: the ServiceAccount token (from the TokenRequest API), the cluster's CA and the
// namespace mounted at /var/run/secrets/kubernetes.io/serviceaccount, KUBERNETES_SERVICE_HOST/PORT
// set, no kubeconfig — the in-cluster configuration. They discover bookinfo, put a TrafficPolicy's
// VirtualService on a workload cluster and issue a VirtualMesh's intermediates.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../src/api/meta.ts';
import { EXAMPLES_DIR, loadEstateCluster } from '../../src/demo/estate.ts';
import { CERT_AGENT_NAME, CONTROLLER_NAME } from '../../src/install/manifests.ts';
import { clientFromKubeconfigFile, type KubeClient } from '../../src/kube/client.ts';
import { requestToken } from '../../src/kube/registration.ts';
import { DESTINATION, ISSUED_CERTIFICATE, ISTIO_OUTPUT_TYPES, MESH, SECRET } from '../../src/kube/resources.ts';
import { startTestEnv, stopTestEnv, type TestEnvState } from '../../src/testenv/launcher.ts';
import { captureText, recordSecrets } from '../support/artifacts.ts';
import { freePort, meshctl } from '../e2e/support.ts';
import { waitFor } from '../testenv/helpers.ts';
import {
  buildImage,
  IMAGE_UID,
  packageVersion,
  PODMAN_RUN_FLAGS,
  root,
  type ImageResult,
} from '../../scripts/image.ts';

const podmanMissing = spawnSync('podman', ['--version']).status !== 0 ? 'podman is not installed' : false;
// Both builds get the same tag: the archive's index names it.
const TAG = 'localhost/mesh-hub-test:image-test';
const NS = 'gloo-mesh';
const CLUSTERS = ['cluster-1', 'cluster-2'] as const;
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const VS = ISTIO_OUTPUT_TYPES.find((type) => type.kind === 'VirtualService');

let work: string;
let first: ImageResult | undefined;
let second: ImageResult | undefined;
let env: TestEnvState | undefined;
const containers: string[] = [];

function touchTree(dir: string, when: Date): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) touchTree(path, when);
    else if (entry.isFile()) utimesSync(path, when, when);
  }
}

function podmanRun(...args: string[]) {
  return spawnSync('podman', ['run', '--rm', ...PODMAN_RUN_FLAGS, '--read-only', ...args], { encoding: 'utf8' });
}

function built(): ImageResult {
  if (first === undefined) throw new Error('the image was not built');
  return first;
}

/**
 * Starts `meshhub <args>` from the image as a Pod would: the ServiceAccount's token, the cluster's CA
 * and the namespace in SA_DIR (owned by the image's user, 0600), the API server in
 * KUBERNETES_SERVICE_HOST/PORT. Host network: the test clusters listen on 127.0.0.1.
 */
async function runInCluster(name: string, cluster: string, client: KubeClient, serviceAccount: string, args: string[]) {
  const info = env?.clusters.find((c) => c.name === cluster);
  if (info === undefined) throw new Error(`no cluster ${cluster}`);
  const { token } = await requestToken(client, NS, 3600, serviceAccount);
  recordSecrets([token]);
  const dir = join(work, `sa-${name}`);
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(join(dir, 'token'), token, { mode: 0o600 });
  writeFileSync(join(dir, 'ca.crt'), readFileSync(info.caFile), { mode: 0o600 });
  writeFileSync(join(dir, 'namespace'), NS, { mode: 0o600 });
  for (const file of ['', 'token', 'ca.crt', 'namespace']) chownSync(join(dir, file), IMAGE_UID, IMAGE_UID);
  const server = new URL(info.server);
  const port = await freePort();
  const containerName = `mesh-hub-test-${name}-${String(process.pid)}`;
  execFileSync(
    'podman',
    [
      'run',
      '--detach',
      '--name',
      containerName,
      ...PODMAN_RUN_FLAGS,
      '--read-only',
      '--network',
      'host',
      '--volume',
      `${dir}:${SA_DIR}:ro`,
      '--env',
      `KUBERNETES_SERVICE_HOST=${server.hostname}`,
      '--env',
      `KUBERNETES_SERVICE_PORT=${server.port}`,
      built().tag,
      ...args,
      `--namespace=${NS}`,
      `--listen=127.0.0.1:${String(port)}`,
    ],
    { encoding: 'utf8' },
  );
  containers.push(containerName);
  return { containerName, port };
}

function containerLog(name: string): string {
  return spawnSync('podman', ['logs', name], { encoding: 'utf8' }).stdout;
}

describe('the Mesh Hub image', { skip: podmanMissing, timeout: 20 * 60_000 }, () => {
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'mesh-hub-image-test-'));
    // The clusters start while the image builds.
    const starting = startTestEnv({ stateDir: join(work, 'env') });
    starting.catch(() => undefined);
    try {
      // From the sources: compiles dist/ first.
      first = await buildImage({ tag: TAG, archive: join(work, 'a.oci.tar') });
      // Same inputs, other file times: the image must not change.
      touchTree(join(root, 'dist'), new Date());
      second = await buildImage({ tag: TAG, archive: join(work, 'b.oci.tar'), skipBuild: true });
    } finally {
      env = await starting;
    }
    console.log(
      `image ${first.id.slice(0, 12)}: ${(first.sizeBytes / 1e6).toFixed(1)} MB; built in ${first.seconds.toFixed(1)} s (with npm run build), ${second.seconds.toFixed(1)} s (without)`,
    );
  });

  after(async () => {
    for (const name of containers) {
      captureText(`${name}.log`, containerLog(name), 'replace');
      spawnSync('podman', ['rm', '--force', '--time', '5', name]);
    }
    spawnSync('podman', ['rmi', '--force', TAG]);
    if (env !== undefined) await stopTestEnv(env).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  });

  it('is reproducible: the same image ID and the same OCI archive bytes from the same inputs', () => {
    assert.match(built().id, /^[0-9a-f]{64}$/);
    assert.equal(second?.id, built().id);
    assert.ok(built().archiveSha256?.length === 64);
    assert.equal(second.archiveSha256, built().archiveSha256);
    assert.ok(statSync(join(work, 'a.oci.tar')).size > 50e6, 'the archive holds the layers');
  });

  it('carries the OCI labels of this checkout and runs as a non-root user', () => {
    const config = JSON.parse(
      execFileSync('podman', ['image', 'inspect', TAG, '--format', '{{json .Config}}'], { encoding: 'utf8' }),
    ) as { Labels?: Record<string, string>; User?: string; Entrypoint?: string[] };
    const labels = config.Labels ?? {};
    assert.equal(labels['org.opencontainers.image.version'], packageVersion());
    // The commit the build saw: a commit made while the test runs must not fail it.
    assert.equal(labels['org.opencontainers.image.revision'], built().revision);
    assert.match(built().revision, /^[0-9a-f]{40}(-dirty)?$/);
    assert.match(labels['org.opencontainers.image.source'] ?? '', /^https:\/\//);
    assert.match(labels['org.opencontainers.image.created'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(config.User, `${String(IMAGE_UID)}:${String(IMAGE_UID)}`);
    assert.deepEqual(config.Entrypoint, ['/usr/local/bin/node', '/app/bin/meshhub.js']);
    // Node itself is ~127 MB; its libraries, dist/ and the production packages add little.
    assert.ok(built().sizeBytes < 250e6, `image size ${String(built().sizeBytes)}`);
  });

  it('starts meshhub on a read-only root filesystem as uid 65532, with no shell', () => {
    const help = podmanRun(TAG, 'cert-agent', '--help');
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /Usage: meshhub cert-agent/);
    const node = ['--entrypoint', '/usr/local/bin/node', TAG, '-e'];
    const identity = podmanRun(...node, 'console.log(process.getuid(), process.getgid())');
    assert.equal(identity.stdout.trim(), `${String(IMAGE_UID)} ${String(IMAGE_UID)}`, identity.stderr);
    const write = podmanRun(...node, 'require("fs").writeFileSync("/app/x", "")');
    assert.notEqual(write.status, 0);
    assert.match(write.stderr, /EROFS|EACCES/);
    for (const shell of ['/bin/sh', '/bin/bash', '/usr/bin/sh']) {
      const attempt = podmanRun('--entrypoint', shell, TAG, '-c', 'true');
      assert.notEqual(attempt.status, 0, `${shell} exists in the image`);
    }
  });

  describe('run in-cluster against real API servers', () => {
    let mgmt: KubeClient;
    const remotes = new Map<string, KubeClient>();

    before(async () => {
      if (env === undefined) throw new Error('the test environment did not start');
      mgmt = clientFromKubeconfigFile('mgmt', env.kubeconfigPath, 'mgmt');
      const base = ['--kubeconfig', env.kubeconfigPath, '--context', 'mgmt'];
      const install = await meshctl([...base, 'install', '--wait=false']);
      assert.equal(install.code, 0, install.stderr);
      for (const cluster of CLUSTERS) {
        const remote = clientFromKubeconfigFile(cluster, env.kubeconfigPath, cluster);
        remotes.set(cluster, remote);
        const register = await meshctl([...base, 'cluster', 'register', cluster, '--remote-context', cluster]);
        assert.equal(register.code, 0, register.stderr);
        await loadEstateCluster(remote, join(EXAMPLES_DIR, 'bookinfo'), cluster);
      }
    });

    it('discovers both meshes and their Destinations with the controller run from the image', async () => {
      const controller = await runInCluster('controller', 'mgmt', mgmt, CONTROLLER_NAME, ['controller']);
      await waitFor(
        'the controller from the image to be ready',
        async () => (await fetch(`http://127.0.0.1:${String(controller.port)}/readyz`)).status === 200,
        120_000,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${containerLog(controller.containerName).slice(-3000)}`);
      });
      await waitFor(
        'Meshes and Destinations of both clusters',
        async () => {
          const meshes = (await mgmt.list(MESH, { namespace: NS })).items.map((m) => m.metadata.name);
          const destinations = (await mgmt.list(DESTINATION, { namespace: NS })).items.map((d) => d.metadata.name);
          return (
            CLUSTERS.every((c) => meshes.includes(`istiod-istio-system-${c}`)) &&
            CLUSTERS.every((c) => destinations.includes(`reviews-bookinfo-${c}`))
          );
        },
        120_000,
      );
      // It ran with the in-cluster configuration: no kubeconfig in the container, the token's identity.
      assert.doesNotMatch(containerLog(controller.containerName), /kubeconfig/i);
    });

    it("puts a TrafficPolicy's VirtualService on the workload cluster", async () => {
      if (VS === undefined) throw new Error('no VirtualService type');
      const policy: KubeObject = {
        apiVersion: 'networking.mesh.gloo.solo.io/v1',
        kind: 'TrafficPolicy',
        metadata: { name: 'ratings-timeout', namespace: NS },
        spec: {
          destinationSelector: [
            { kubeServiceRefs: { services: [{ name: 'ratings', namespace: 'bookinfo', clusterName: 'cluster-1' }] } },
          ],
          policy: { requestTimeout: '3s' },
        },
      };
      await mgmt.apply(policy);
      const c1 = remotes.get('cluster-1');
      await waitFor(
        'VirtualService ratings in cluster-1',
        async () =>
          ((await c1?.get(VS, 'ratings', 'bookinfo')) as { spec?: { http?: { timeout?: string }[] } } | undefined)?.spec
            ?.http?.[0]?.timeout === '3s',
        90_000,
      );
    });

    it("issues a VirtualMesh's intermediates through cert agents run from the image", async () => {
      for (const cluster of CLUSTERS) {
        const remote = remotes.get(cluster);
        if (remote === undefined) throw new Error(cluster);
        await runInCluster(`cert-agent-${cluster}`, cluster, remote, CERT_AGENT_NAME, ['cert-agent']);
      }
      await mgmt.apply({
        apiVersion: 'networking.mesh.gloo.solo.io/v1',
        kind: 'VirtualMesh',
        metadata: { name: 'bookinfo', namespace: NS },
        spec: {
          meshes: CLUSTERS.map((cluster) => ({ name: `istiod-istio-system-${cluster}`, namespace: NS })),
          mtlsConfig: {
            shared: {
              rootCertificateAuthority: { generated: { rsaKeySizeBytes: 2048, ttlDays: 90, orgName: 'image-test' } },
              intermediateCertOptions: { rsaKeySizeBytes: 2048, ttlDays: 30 },
            },
          },
        },
      });
      await waitFor(
        'an intermediate in cacerts on both clusters, its IssuedCertificate FINISHED',
        async () => {
          for (const cluster of CLUSTERS) {
            const remote = remotes.get(cluster);
            const secret = (await remote?.get(SECRET, 'cacerts', 'istio-system')) as
              { data?: Record<string, string> } | undefined;
            const pem = Buffer.from(secret?.data?.['ca-cert.pem'] ?? '', 'base64').toString();
            if (!pem.includes('BEGIN CERTIFICATE')) return false;
            const issued = (await remote?.get(ISSUED_CERTIFICATE, `istiod-istio-system-${cluster}`, NS)) as
              { status?: { state?: string } } | undefined;
            if (issued?.status?.state !== 'FINISHED') return false;
          }
          return true;
        },
        180_000,
      );
    });
  });
});

// Every object a networking golden case outputs is valid configuration for the mesh it is for:
//   1. a real kube-apiserver, with the meshes' own CRDs (Istio, Linkerd, OSM, SMI, Gateway API) and
//      Mesh Hub's, accepts it unchanged (server-side apply, dry run): nothing pruned (a misspelt field
//      would be dropped silently) and nothing defaulted (the controller compares what it wants with
//      what the cluster holds, so a defaulted field would be rewritten on every reconcile). The test
//      is generic over kinds: an output of a kind the test clusters do not serve fails it.
//   2. the controller watches, applies and prunes every kind a case writes to a workload cluster;
//   3. `istioctl analyze`, offline, over each cluster's inputs and Istio outputs, reports no error.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { KubeObject } from '../../src/api/meta.ts';
import { clientFromKubeconfigFile, type KubeClient } from '../../src/kube/client.ts';
import { contentDiffers } from '../../src/kube/diff.ts';
import { WORKLOAD_OUTPUT_TYPES } from '../../src/kube/resources.ts';
import { parseKubeYaml } from '../../src/snapshot/yaml.ts';
import { ensureIstioctl } from '../../src/testenv/build.ts';
import { freshNamespace, testCluster } from '../testenv/helpers.ts';
import { yamlFiles } from '../../src/demo/estate.ts';

const run = promisify(execFile);
const repoRoot = join(import.meta.dirname, '..', '..');
const casesRoot = join(repoRoot, 'testdata', 'networking');
const cases = readdirSync(casesRoot)
  .filter((name) => statSync(join(casesRoot, name)).isDirectory())
  .sort();

function clustersOf(caseName: string, side: 'input' | 'output'): string[] {
  const dir = join(casesRoot, caseName, side, 'clusters');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

interface OutputObject {
  readonly object: KubeObject;
  /** `<case>/output/clusters/<cluster>/<file>` or `<case>/output/mgmt/<file>`, for messages. */
  readonly file: string;
}

function objectsIn(files: readonly string[]): OutputObject[] {
  return files.flatMap((file) =>
    parseKubeYaml(readFileSync(file, 'utf8'), file).map((doc) => ({
      object: doc.object,
      file: relative(casesRoot, file),
    })),
  );
}

/** What the case writes to workload clusters. */
function clusterOutputs(caseName: string): OutputObject[] {
  return objectsIn(
    clustersOf(caseName, 'output').flatMap((cluster) =>
      yamlFiles(join(casesRoot, caseName, 'output', 'clusters', cluster)),
    ),
  );
}

/** What the case writes to the management cluster: discovered objects, and policies with their status. */
function mgmtOutputs(caseName: string): OutputObject[] {
  return objectsIn(yamlFiles(join(casesRoot, caseName, 'output', 'mgmt')));
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');
const isIstio = (object: KubeObject) => /^[a-z.]+\.istio\.io\//.test(object.apiVersion);

function describeOutput({ object, file }: OutputObject): string {
  return `${object.apiVersion} ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name} (${file})`;
}

interface ApiResource {
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

type ResourceOf = (apiVersion: string, kind: string) => Promise<ApiResource | undefined>;

function basePath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** The API server's resource for a kind, from its discovery documents (read once per group/version). */
function discoveryOf(client: KubeClient): ResourceOf {
  const lists = new Map<string, Promise<readonly ApiResource[]>>();
  return async (apiVersion, kind) => {
    let list = lists.get(apiVersion);
    if (list === undefined) {
      // A group/version the server does not serve is a 404: no resource of any kind.
      list = client.request<{ resources: ApiResource[] }>('GET', basePath(apiVersion)).then(
        (document) => document.resources,
        () => [],
      );
      lists.set(apiVersion, list);
    }
    return (await list).find((resource) => resource.kind === kind && !resource.name.includes('/'));
  };
}

async function mapLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      if (item !== undefined) await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Server-side applies every object as a dry run into `namespace` (namespaced kinds) and checks that
 * what the server would store is what Mesh Hub wrote. Returns the problems, one line each.
 */
async function dryRunApply(
  client: KubeClient,
  resourceOf: ResourceOf,
  namespace: string,
  outputs: readonly OutputObject[],
): Promise<string[]> {
  const problems: string[] = [];
  await mapLimited(outputs, 8, async (output) => {
    const { object } = output;
    const resource = await resourceOf(object.apiVersion, object.kind);
    if (resource === undefined) {
      problems.push(`${describeOutput(output)}: no CRD or built-in type serves this kind on the test clusters`);
      return;
    }
    const { status: _status, ...content } = object as KubeObject & { status?: unknown };
    // Dry runs persist nothing, so objects of several clusters with one name do not collide.
    const body: KubeObject = {
      ...content,
      metadata: resource.namespaced ? { ...object.metadata, namespace } : object.metadata,
    };
    const path = `${basePath(object.apiVersion)}${resource.namespaced ? `/namespaces/${namespace}` : ''}/${resource.name}/${object.metadata.name}`;
    let applied: KubeObject;
    try {
      applied = await client.request<KubeObject>(
        'PATCH',
        `${path}?fieldManager=mesh-hub-test&force=true&dryRun=All`,
        body,
        'application/apply-patch+yaml',
      );
    } catch (error) {
      problems.push(`${describeOutput(output)}: rejected: ${String(error).slice(0, 600)}`);
      return;
    }
    if (contentDiffers(body, applied)) {
      const changed = Object.keys({ ...body, ...applied })
        .filter((key) => !['apiVersion', 'kind', 'metadata', 'status'].includes(key))
        .filter((key) => JSON.stringify(body[key]) !== JSON.stringify(applied[key]))
        .map((key) => `${key}: wrote ${JSON.stringify(body[key])}, server keeps ${JSON.stringify(applied[key])}`);
      problems.push(
        `${describeOutput(output)}: changed by the API server (pruned or defaulted): ${changed.join('; ') || 'labels or annotations'}`,
      );
    }
  });
  return problems.sort();
}

/** The istioctl the test environment built from Istio's Go module (cached like the clusters). */
async function istioctl(): Promise<string> {
  return process.env.MESHHUB_ISTIOCTL ?? (await ensureIstioctl());
}

describe('outputs of the networking golden cases on a real API server', () => {
  const cluster = testCluster('cluster-1');
  const mgmt = testCluster('mgmt');
  const clusterClient = clientFromKubeconfigFile('cluster-1', process.env.MESHHUB_TEST_KUBECONFIG, 'cluster-1');
  const mgmtClient = clientFromKubeconfigFile('mgmt', process.env.MESHHUB_TEST_KUBECONFIG, 'mgmt');
  const clusterResources = discoveryOf(clusterClient);
  const mgmtResources = discoveryOf(mgmtClient);

  it('has golden cases with outputs to check', () => {
    assert.ok(cases.length > 0);
    assert.ok(cases.some((c) => clusterOutputs(c).length > 0));
  });

  it('writes to workload clusters only kinds the controller watches, applies and prunes there', () => {
    const registered = new Set(WORKLOAD_OUTPUT_TYPES.map((type) => `${type.group}/${type.kind}`));
    const unregistered = cases
      .flatMap(clusterOutputs)
      .filter(({ object }) => !registered.has(`${groupOf(object.apiVersion)}/${object.kind}`))
      .map(describeOutput);
    assert.deepEqual(unregistered, [], 'not in WORKLOAD_OUTPUT_TYPES (src/kube/resources.ts)');
  });

  it('fails on an output of a kind that no CRD serves', async (t) => {
    const namespace = await freshNamespace(cluster, t, 'mesh-out');
    const unknown: OutputObject = {
      object: {
        apiVersion: 'example.mesh-hub.test/v1',
        kind: 'NoSuchKind',
        metadata: { name: 'x', namespace: 'default' },
      },
      file: 'made-up',
    };
    const problems = await dryRunApply(clusterClient, clusterResources, namespace, [unknown]);
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /NoSuchKind .*no CRD or built-in type serves this kind/);
  });

  for (const caseName of cases) {
    it(`${caseName}: the API server accepts every output unchanged (server-side dry-run apply)`, async (t) => {
      const toClusters = clusterOutputs(caseName);
      const toMgmt = mgmtOutputs(caseName);
      const problems: string[] = [];
      if (toClusters.length > 0) {
        const namespace = await freshNamespace(cluster, t, 'mesh-out');
        problems.push(...(await dryRunApply(clusterClient, clusterResources, namespace, toClusters)));
      }
      if (toMgmt.length > 0) {
        const namespace = await freshNamespace(mgmt, t, 'mesh-out');
        problems.push(...(await dryRunApply(mgmtClient, mgmtResources, namespace, toMgmt)));
      }
      assert.deepEqual(problems, [], `${caseName}:\n${problems.join('\n')}`);
    });

    it(`${caseName}: istioctl analyze finds no error in any cluster`, async () => {
      const binary = await istioctl();
      for (const clusterName of clustersOf(caseName, 'input')) {
        // Only the Istio outputs: istioctl knows nothing of the other meshes' kinds.
        const istioOutputs = yamlFiles(join(casesRoot, caseName, 'output', 'clusters', clusterName)).filter((file) =>
          parseKubeYaml(readFileSync(file, 'utf8'), file).every((doc) => isIstio(doc.object)),
        );
        const files = [...yamlFiles(join(casesRoot, caseName, 'input', 'clusters', clusterName)), ...istioOutputs];
        const result = await run(
          binary,
          ['analyze', '--use-kube=false', '--all-namespaces', '--failure-threshold', 'Error', ...files],
          { maxBuffer: 16 * 2 ** 20 },
        ).catch((error: unknown) => {
          const failed = error as { stdout?: string; stderr?: string; code?: number };
          return { stdout: failed.stdout ?? '', stderr: `${failed.stderr ?? ''} (exit ${String(failed.code)})` };
        });
        const report = `${result.stdout}${result.stderr}`;
        assert.doesNotMatch(
          report,
          /^Error|Error:|could not be parsed|couldn't be parsed/m,
          `${caseName}/${clusterName}:\n${report}`,
        );
      }
    });
  }
});

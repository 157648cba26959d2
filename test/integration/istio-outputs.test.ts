// Every Istio object that a networking golden case outputs is valid Istio configuration:
//   1. the real kube-apiserver, with Istio's own CRDs, accepts it (server-side apply, dry run) and
//      prunes nothing from it (a misspelt field would be dropped silently);
//   2. `istioctl analyze`, offline, over each cluster's inputs and outputs, reports no error.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { ensureIstioctl } from '../../src/testenv/build.ts';
import { parseKubeYaml } from '../../src/snapshot/yaml.ts';
import type { KubeObject } from '../../src/api/meta.ts';
import { freshNamespace, testCluster } from '../testenv/helpers.ts';

const run = promisify(execFile);
const casesRoot = join(import.meta.dirname, '..', '..', 'testdata', 'networking');
const cases = readdirSync(casesRoot)
  .filter((name) => statSync(join(casesRoot, name)).isDirectory())
  .sort();

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return yamlFiles(path);
      return /\.ya?ml$/.test(entry.name) ? [path] : [];
    })
    .sort();
}

function clustersOf(caseName: string, side: 'input' | 'output'): string[] {
  const dir = join(casesRoot, caseName, side, 'clusters');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

function outputObjects(caseName: string): KubeObject[] {
  return clustersOf(caseName, 'output').flatMap((cluster) =>
    yamlFiles(join(casesRoot, caseName, 'output', 'clusters', cluster)).flatMap((file) =>
      parseKubeYaml(readFileSync(file, 'utf8'), file).map((doc) => doc.object),
    ),
  );
}

/** The istioctl the test environment built from Istio's Go module (cached like the clusters). */
async function istioctl(): Promise<string> {
  return process.env.MESHHUB_ISTIOCTL ?? (await ensureIstioctl());
}

describe('Istio outputs of the networking golden cases', () => {
  it('has golden cases with outputs to check', () => {
    assert.ok(cases.length > 0);
    assert.ok(cases.some((c) => outputObjects(c).length > 0));
  });

  for (const caseName of cases) {
    it(`${caseName}: the API server accepts every output unchanged (server-side dry-run apply)`, async (t) => {
      const objects = outputObjects(caseName);
      if (objects.length === 0) return;
      const cluster = testCluster('cluster-1');
      // Dry runs persist nothing, so objects of several clusters with the same name do not collide.
      const namespace = await freshNamespace(cluster, t, 'istio-out');
      for (const object of objects) {
        const body = { ...object, metadata: { ...object.metadata, namespace } } as unknown as KubernetesObject & {
          spec?: unknown;
        };
        const applied = (await cluster.objects.patch(
          body,
          undefined,
          'All',
          'mesh-hub-test',
          true,
          PatchStrategy.ServerSideApply,
        )) as { spec?: unknown };
        assert.deepEqual(
          applied.spec,
          body.spec,
          `${object.kind} ${object.metadata.name} was changed by the API server`,
        );
      }
    });

    it(`${caseName}: istioctl analyze finds no error in any cluster`, async () => {
      const binary = await istioctl();
      for (const cluster of clustersOf(caseName, 'input')) {
        const files = [
          ...yamlFiles(join(casesRoot, caseName, 'input', 'clusters', cluster)),
          ...yamlFiles(join(casesRoot, caseName, 'output', 'clusters', cluster)),
        ];
        const result = await run(
          binary,
          ['analyze', '--use-kube=false', '--all-namespaces', '--failure-threshold', 'Error', ...files],
          {
            maxBuffer: 16 * 2 ** 20,
          },
        ).catch((error: unknown) => {
          const failed = error as { stdout?: string; stderr?: string; code?: number };
          return { stdout: failed.stdout ?? '', stderr: `${failed.stderr ?? ''} (exit ${String(failed.code)})` };
        });
        const report = `${result.stdout}${result.stderr}`;
        assert.doesNotMatch(
          report,
          /^Error|Error:|could not be parsed|couldn't be parsed/m,
          `${basename(caseName)}/${cluster}:\n${report}`,
        );
      }
    });
  }
});

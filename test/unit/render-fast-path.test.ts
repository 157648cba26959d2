// `meshctl render --output` takes fast ways (JSON.parse for JSON files, its own YAML writer, files
// streamed in chunks); this renders a mid-size generated estate through the real CLI and checks every
// output file against what the careful way writes: every file through the YAML reader, the yaml
// library's stringify for every object.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import type { KubeObject } from '../../src/api/meta.ts';
import { render } from '../../src/pipeline/render.ts';
import { loadInputTree } from '../../src/snapshot/load.ts';
import { layoutOutputFiles } from '../../src/snapshot/output.ts';
import { libraryCanonicalYaml } from '../../src/snapshot/yaml.ts';
import { generateEstate } from '../../bench/estate.ts';

const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'meshctl-render-fast-'));
after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Values that take every way of the writer: plain, quoted either way, left to the library. */
const TRICKY: Readonly<Record<string, string>> = {
  'x-colon': 'a: b',
  'x-hash': 'a #b',
  'x-multi': 'line one\nline two\n',
  'x-number': '8080',
  'x-float': '1.5',
  'x-bool': 'yes',
  'x-null': 'null',
  'x-quote': 'say "hi"',
  'x-apostrophe': "it's",
  'x-empty': '',
  'x-lead': ' leading',
  'x-unicode': 'é 日本 🙂',
  'x-dash': '- item',
  'x-date': '2001-12-14',
};

function trafficPolicy(name: string, cluster: string, service: string, namespace: string): KubeObject {
  return {
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind: 'TrafficPolicy',
    metadata: { name, namespace: 'gloo-mesh', generation: 1 },
    spec: {
      destinationSelector: [{ kubeServiceRefs: { services: [{ name: service, namespace, clusterName: cluster }] } }],
      httpRequestMatchers: [{ name, uri: { prefix: `/${name}/` } }],
      policy: {
        requestTimeout: '5s',
        headerManipulation: { appendRequestHeaders: TRICKY, removeResponseHeaders: ['server'] },
      },
    },
  };
}

/**
 * The estate in files: per cluster and kind, one JSON List (the fast way) or a YAML stream (the
 * careful way), alternately; on the management cluster, policies as JSON and the rest as YAML.
 */
function writeEstate(dir: string): void {
  const estate = generateEstate({
    clusters: 3,
    servicesPerCluster: 30,
    workloadsPerService: 2,
    servicesPerNamespace: 10,
    federateEvery: 5,
  });
  const yaml = (objects: readonly KubeObject[]) =>
    objects.map((object) => `---\n${libraryCanonicalYaml(object)}`).join('');
  const json = (objects: readonly KubeObject[]) =>
    `{"apiVersion":"v1","kind":"List","items":[\n${objects.map((object) => JSON.stringify(object)).join(',\n')}\n]}\n`;
  const write = (path: string, text: string) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  const clusters = [...estate.clusters.keys()];
  for (const [c, cluster] of clusters.entries()) {
    const byKind = new Map<string, KubeObject[]>();
    for (const { object } of estate.clusters.get(cluster) ?? []) {
      // Tricky label values reach the discovered Destinations in the output.
      const labelled =
        object.kind === 'Service' ? { ...object, metadata: { ...object.metadata, annotations: TRICKY } } : object;
      byKind.set(object.kind, [...(byKind.get(object.kind) ?? []), labelled]);
    }
    for (const [k, [kind, objects]] of [...byKind].entries()) {
      const name = kind.toLowerCase();
      if ((k + c) % 2 === 0) write(`clusters/${cluster}/${name}.json`, json(objects));
      else write(`clusters/${cluster}/${name}.yaml`, yaml(objects));
    }
  }
  const policies = clusters.flatMap((cluster, c) =>
    [0, 10, 20].map((s) =>
      trafficPolicy(`tp-${String(c)}-${String(s)}`, cluster, `svc-${String(s)}`, `ns-${String(s / 10)}`),
    ),
  );
  write('mgmt/policies.json', json(policies));
  write(
    'mgmt/clusters.yaml',
    yaml([
      {
        apiVersion: 'settings.mesh.gloo.solo.io/v1',
        kind: 'Settings',
        metadata: { name: 'settings', namespace: 'gloo-mesh' },
        spec: { mtls: { istio: { tlsMode: 'ISTIO_MUTUAL' } } },
      },
      ...clusters.map((cluster) => ({
        apiVersion: 'multicluster.solo.io/v1alpha1',
        kind: 'KubernetesCluster',
        metadata: { name: cluster, namespace: 'gloo-mesh' },
        spec: { secretName: cluster, clusterDomain: 'cluster.local' },
      })),
    ]),
  );
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe('meshctl render --output: the fast ways write what the careful way writes', () => {
  it('renders a generated estate of JSON and YAML files to the same bytes', () => {
    const input = join(scratch, 'input');
    const output = join(scratch, 'output');
    writeEstate(input);
    // The CLI takes a few seconds here alone; a loaded 2-core CI machine may take ten times that.
    const run = spawnSync(process.execPath, [main, 'render', '--input', input, '--output', output], {
      encoding: 'utf8',
      timeout: 600_000,
    });
    assert.equal(run.signal, null, 'meshctl render did not finish within 10 minutes');
    assert.equal(run.status, 0, run.stderr);

    const careful = render(loadInputTree(input, { installNamespace: 'gloo-mesh', careful: true }));
    const expected = new Map(
      [...layoutOutputFiles(careful)].map(([name, objects]) => [
        name,
        objects.map((object) => `---\n${libraryCanonicalYaml(object)}`).join(''),
      ]),
    );
    assert.deepEqual(filesUnder(output), [...expected.keys()].sort());
    for (const [name, text] of expected) assert.equal(readFileSync(join(output, name), 'utf8'), text, name);

    // The estate is big enough to mean something, and its tricky strings reached the output.
    assert.ok(expected.size >= 10, `only ${String(expected.size)} output files`);
    const all = [...expected.values()].join('');
    assert.match(all, /x-colon: 'a: b'|x-colon: "a: b"/);
    assert.match(all, /x-multi: \|/);
    assert.match(all, /x-number: "8080"/);
  });
});

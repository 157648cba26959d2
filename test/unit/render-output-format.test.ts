// `meshctl render -o json|yaml` (issue 16, item 6): the global output format chooses the stream on
// stdout; `table` (the default) is the YAML stream, as before.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { ISTIO_CLUSTER, meshctl, trafficPolicy, tree } from './render-support.ts';

interface Listed {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly annotations: Readonly<Record<string, string>> };
}

describe('meshctl render -o', () => {
  const dir = tree({ ...ISTIO_CLUSTER, 'mgmt/p.yaml': trafficPolicy('timeout', '{requestTimeout: 5s}') });
  const yaml = meshctl('render', '--input', dir);

  it('-o json prints one List of the same objects, each annotated with its cluster', () => {
    const run = meshctl('-o', 'json', 'render', '--input', dir);
    assert.equal(run.code, 0, run.stderr);
    const list = JSON.parse(run.stdout) as { apiVersion: string; kind: string; items: Listed[] };
    assert.equal(list.kind, 'List');
    assert.equal(list.apiVersion, 'v1');
    const fromYaml = parseAllDocuments(yaml.stdout).map((doc) => doc.toJS() as Listed);
    assert.deepEqual(list.items, fromYaml);
    const vs = list.items.find((item) => item.kind === 'VirtualService');
    assert.equal(vs?.metadata.annotations['meshhub.dev/cluster'], 'cluster-1');
    assert.match(run.stderr, /^TrafficPolicy: 1 ACCEPTED$/m, 'the summary stays on stderr');
  });

  it('-o json after the command name too', () => {
    const run = meshctl('render', '--input', dir, '-o', 'json');
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { kind: string }).kind, 'List');
  });

  it('-o yaml and the default print the same YAML stream', () => {
    assert.equal(yaml.code, 0, yaml.stderr);
    const run = meshctl('render', '--input', dir, '-o', 'yaml');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, yaml.stdout);
    assert.ok(yaml.stdout.startsWith('---\n'));
  });
});

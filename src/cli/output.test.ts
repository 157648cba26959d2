import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { formatData, formatObjects, printResult } from './output.ts';

const objects = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gloo-mesh' } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'mesh-hub', namespace: 'gloo-mesh' } },
];

describe('meshctl output formats', () => {
  it('prints data as a table, JSON or YAML', () => {
    const data = { clusters: [{ name: 'c1' }] };
    const table = () => ({ headers: ['NAME', 'STATE'], rows: [['cluster-1', 'ok']] });
    assert.equal(formatData('table', data, table), 'NAME        STATE\ncluster-1   ok\n');
    assert.deepEqual(JSON.parse(formatData('json', data, table)), data);
    assert.equal(formatData('yaml', data, table), 'clusters:\n  - name: c1\n');
  });

  it('prints a result as text for people and as data for scripts', () => {
    for (const [format, expected] of [
      ['table', 'installed\n'],
      ['json', '{\n  "objects": 3\n}\n'],
      ['yaml', 'objects: 3\n'],
    ] as const) {
      let out = '';
      printResult({ stdout: (t) => (out += t) }, format, { objects: 3 }, () => 'installed\n');
      assert.equal(out, expected, format);
    }
  });

  it('prints Kubernetes objects as a YAML stream, or a v1 List for -o json', () => {
    for (const format of ['table', 'yaml'] as const) {
      const docs = parseAllDocuments(formatObjects(format, objects)).map((d) => d.toJS() as unknown);
      assert.deepEqual(docs, objects, format);
    }
    assert.deepEqual(JSON.parse(formatObjects('json', objects)), { apiVersion: 'v1', kind: 'List', items: objects });
  });
});

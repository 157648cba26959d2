import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { toCanonicalYaml, parseKubeYaml } from '../snapshot/yaml.ts';
import { generateCrd, toStructural, type JsonSchema } from './crd.ts';
import { apiVersionOf, resourceSchema } from './kind.ts';
import type { KubeObject } from './meta.ts';
import { allKinds, findKind } from './registry.ts';

const testdata = join(import.meta.dirname, 'testdata');
const examples: KubeObject[] = readdirSync(testdata)
  .sort()
  .flatMap((file) => parseKubeYaml(readFileSync(join(testdata, file), 'utf8'), file).map((doc) => doc.object));

function check(object: unknown) {
  const o = object as KubeObject;
  const definition = findKind(o.apiVersion, o.kind);
  assert.ok(definition, `${o.apiVersion} ${o.kind} is a known kind`);
  return resourceSchema(definition).safeParse(object);
}

function issuesOf(object: unknown): string[] {
  const result = check(object);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('the v1 API schemas', () => {
  it('has an example manifest of every kind', () => {
    const covered = new Set(examples.map((o) => `${o.apiVersion}/${o.kind}`));
    for (const definition of allKinds)
      assert.ok(covered.has(`${apiVersionOf(definition)}/${definition.kind}`), definition.kind);
  });

  for (const example of examples) {
    it(`round-trips ${example.kind} ${example.metadata.name} unchanged`, () => {
      const result = check(example);
      assert.ok(result.success, JSON.stringify(result.error?.issues));
      const again = parse(toCanonicalYaml(result.data)) as unknown;
      assert.deepEqual(again, example);
    });
  }

  it('names the path of a wrongly typed field', () => {
    const policy = structuredClone(examples.find((o) => o.metadata.name === 'everything'));
    const spec = (policy as unknown as { spec: { policy: { retries: { attempts: unknown } } } }).spec;
    spec.policy.retries.attempts = 'three';
    assert.deepEqual(issuesOf(policy), [
      'spec.policy.retries.attempts: Invalid input: expected number, received string',
    ]);
  });

  it('rejects unknown fields so that typos are caught', () => {
    const issues = issuesOf({
      apiVersion: 'networking.mesh.gloo.solo.io/v1',
      kind: 'TrafficPolicy',
      metadata: { name: 'x' },
      spec: { policy: { requestTimout: '5s' } },
    });
    assert.equal(issues.length, 1);
    assert.match(issues[0] ?? '', /^spec\.policy: Unrecognized key: "requestTimout"/);
  });

  it('rejects a bad enum value and a bad duration, naming each field', () => {
    assert.deepEqual(
      issuesOf({
        apiVersion: 'networking.mesh.gloo.solo.io/v1',
        kind: 'VirtualMesh',
        metadata: { name: 'x' },
        spec: { globalAccessPolicy: 'ON', federation: { tcpKeepalive: { time: 'ten seconds' } } },
      }).map((issue) => issue.split(':')[0]),
      ['spec.federation.tcpKeepalive.time', 'spec.globalAccessPolicy'],
    );
  });

  it('rejects two members of one oneof, naming both', () => {
    const issues = issuesOf({
      apiVersion: 'networking.mesh.gloo.solo.io/v1',
      kind: 'TrafficPolicy',
      metadata: { name: 'x' },
      spec: { policy: { faultInjection: { fixedDelay: '1s', abort: { httpStatus: 500 } } } },
    });
    assert.deepEqual(issues, [
      'spec.policy.faultInjection.abort: only one of fixedDelay, abort may be set (found fixedDelay and abort)',
    ]);
  });

  it('accepts Go-style and protojson durations and rejects others', () => {
    const timeout = (requestTimeout: unknown) =>
      check({
        apiVersion: 'networking.mesh.gloo.solo.io/v1',
        kind: 'TrafficPolicy',
        metadata: { name: 'x' },
        spec: { policy: { requestTimeout } },
      }).success;
    for (const ok of ['10s', '1.5s', '250ms', '1m30s', '2h']) assert.ok(timeout(ok), ok);
    for (const bad of ['10', 's', '1.5', 10, '10 s']) assert.equal(timeout(bad), false, String(bad));
  });
});

describe('the generated CRDs', () => {
  const walk = (node: JsonSchema, path: string, visit: (node: JsonSchema, path: string) => void) => {
    visit(node, path);
    for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, JsonSchema>))
      walk(child, `${path}.${name}`, visit);
    if (typeof node.items === 'object') walk(node.items as JsonSchema, `${path}[]`, visit);
    if (typeof node.additionalProperties === 'object')
      walk(node.additionalProperties as JsonSchema, `${path}.*`, visit);
  };

  for (const definition of allKinds) {
    it(`${definition.kind}: structural, with status subresource and printer columns`, () => {
      const crd = generateCrd(definition) as { spec: { versions: JsonSchema[]; names: JsonSchema } };
      const [version] = crd.spec.versions;
      assert.ok(version);
      assert.deepEqual(version.subresources, { status: {} });
      const columns = version.additionalPrinterColumns as { name: string }[];
      assert.ok(columns.some((c) => c.name === 'Age'));
      if ('state' in ((definition.status as unknown as { shape?: object }).shape ?? {}))
        assert.ok(columns.some((c) => c.name === 'State'));
      const schema = (version.schema as { openAPIV3Schema: JsonSchema }).openAPIV3Schema;
      walk(schema, '$', (node, path) => {
        assert.ok(
          node.type !== undefined || node['x-kubernetes-preserve-unknown-fields'] === true,
          `${path} has a type`,
        );
        assert.ok(!('$ref' in node) && !('$schema' in node), `${path} has no $ref/$schema`);
        assert.ok(
          !(node.properties !== undefined && node.additionalProperties !== undefined),
          `${path}: properties xor additionalProperties`,
        );
        assert.notEqual(node.additionalProperties, false, path);
      });
      assert.equal(crd.spec.names.kind, definition.kind);
    });
  }

  it('refuses schema nodes that cannot be structural', () => {
    assert.throws(
      () => toStructural({ anyOf: [{ type: 'string' }, { type: 'number' }] }),
      /needs a type on every node/,
    );
    assert.throws(() => toStructural({ $ref: '#/$defs/x' }), /references/);
  });
});

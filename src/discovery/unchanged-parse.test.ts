import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import {
  ConfigMap,
  Controller,
  EndpointSlice,
  Endpoints,
  Namespace,
  Node,
  Pod,
  Service,
} from '../api/k8s/workloads.ts';
import { loadInputTree } from '../snapshot/load.ts';
import { goldenCases } from '../testing/golden.ts';
import { passesUnchanged } from './unchanged-parse.ts';

/** The fast path may only say yes where the schema itself succeeds and returns an equal value. */
function assertAgrees(schema: z.ZodType, value: unknown, label: string): boolean {
  const fast = passesUnchanged(schema)(value);
  const parsed = schema.safeParse(value);
  if (fast) {
    assert.ok(parsed.success, `${label}: the fast path accepts what the schema rejects`);
    assert.deepEqual(parsed.data, value, `${label}: the schema changes what the fast path keeps as it is`);
  }
  return fast;
}

const schemaOf: Readonly<Record<string, z.ZodType>> = {
  Deployment: Controller,
  StatefulSet: Controller,
  DaemonSet: Controller,
  ReplicaSet: Controller,
  Pod,
  Service,
  Endpoints,
  EndpointSlice,
  ConfigMap,
  Node,
  Namespace,
};

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-1',
    namespace: 'shop',
    labels: { app: 'web' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f', controller: true }],
    somethingElse: { kept: [1, 2, 3] },
  },
  spec: { nodeName: 'node-1', containers: [{ name: 'app', ports: [{ containerPort: 8080 }] }] },
  status: { podIP: '10.0.0.1' },
};

describe('passesUnchanged', () => {
  it('agrees with the schemas on every cluster object of the golden inputs', () => {
    let accepted = 0;
    for (const caseDir of [...goldenCases('discovery'), ...goldenCases('networking')]) {
      const snapshot = loadInputTree(`${caseDir}/input`, { installNamespace: 'gloo-mesh' });
      for (const [cluster, objects] of snapshot.clusters) {
        for (const { object } of objects) {
          const schema = schemaOf[object.kind];
          if (schema === undefined) continue;
          const label = `${caseDir} ${cluster} ${object.kind} ${object.metadata.name}`;
          if (assertAgrees(schema, object, label)) accepted++;
        }
      }
    }
    assert.ok(accepted > 100, `the fast path takes most objects (took ${String(accepted)})`);
  });

  it('takes a valid object with unknown fields as it is', () => {
    assert.equal(assertAgrees(Pod, pod, 'pod'), true);
  });

  it('leaves to the schema what the schema changes or rejects', () => {
    const cases: [string, unknown][] = [
      ['a default to fill in (no containers)', { ...pod, spec: { nodeName: 'node-1' } }],
      ['an empty name', { ...pod, metadata: { ...pod.metadata, name: '' } }],
      ['a label that is not a string', { ...pod, metadata: { ...pod.metadata, labels: { replicas: 2 } } }],
      ['null where a field is optional', { ...pod, status: null }],
      [
        'a container port that is not a number',
        { ...pod, spec: { containers: [{ name: 'app', ports: [{ containerPort: '80' }] }] } },
      ],
      ['a generation that is not an integer', { ...pod, metadata: { ...pod.metadata, generation: 1.5 } }],
      ['an array where an object belongs', { ...pod, spec: [] }],
      [
        'a string where a boolean belongs',
        {
          ...pod,
          metadata: {
            ...pod.metadata,
            ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', controller: 'yes' }],
          },
        },
      ],
      ['not an object', 'pod'],
    ];
    for (const [label, value] of cases) assert.equal(assertAgrees(Pod, value, label), false, label);
  });

  it('takes both branches of a union and a nullable field', () => {
    const service = {
      metadata: { name: 'web' },
      spec: {
        ports: [
          { port: 80, targetPort: 'http' },
          { port: 81, targetPort: 8081 },
        ],
      },
    };
    assert.equal(assertAgrees(Service, service, 'service'), true);
    assert.equal(assertAgrees(EndpointSlice, { metadata: { name: 's' }, endpoints: null }, 'slice'), true);
  });

  it('answers no for schema constructs it does not know', () => {
    const refined = z.looseObject({ name: z.string().refine((name) => name !== 'x') });
    assert.equal(passesUnchanged(refined)({ name: 'y' }), false);
    assert.equal(passesUnchanged(z.object({ name: z.string() }))({ name: 'y' }), false, 'strip objects drop keys');
    assert.equal(passesUnchanged(z.string().max(3))('abc'), false);
    assert.equal(passesUnchanged(z.string().transform((s) => s.length))('abc'), false);
  });

  it('still takes what a schema it does not know inside leaves as it is: nothing, an empty list', () => {
    const unknown = z.looseObject({ name: z.string().refine((name) => name !== 'x') });
    const wrapper = z.looseObject({
      inner: unknown.optional(),
      list: z.array(unknown),
      map: z.record(z.string(), unknown),
    });
    assert.equal(assertAgrees(wrapper, { list: [], map: {} }, 'empty'), true);
    assert.equal(assertAgrees(wrapper, { inner: { name: 'y' }, list: [], map: {} }, 'inner set'), false);
    assert.equal(assertAgrees(wrapper, { list: [{ name: 'y' }], map: {} }, 'list item'), false);
    assert.equal(assertAgrees(wrapper, { list: [], map: { a: { name: 'y' } } }, 'map entry'), false);
  });

  it('reads field names as data, whatever characters they hold', () => {
    const odd = z.looseObject({ 'a"b\\c': z.string(), "it's": z.number().int().optional() });
    assert.equal(assertAgrees(odd, { 'a"b\\c': 'x', "it's": 1 }, 'odd names'), true);
    assert.equal(assertAgrees(odd, { 'a"b\\c': 1 }, 'wrong type'), false);
    assert.equal(assertAgrees(odd, { 'a"b\\c': 'x', "it's": 1.5 }, 'not an integer'), false);
  });

  it('follows a schema that contains itself', () => {
    interface Tree {
      name: string;
      children?: Tree[] | undefined;
    }
    const tree: z.ZodType<Tree> = z.looseObject({
      name: z.string(),
      get children() {
        return z.array(tree).optional();
      },
    });
    const value = { name: 'a', children: [{ name: 'b', children: [{ name: 'c' }] }] };
    assert.equal(assertAgrees(tree, value, 'tree'), true);
    assert.equal(assertAgrees(tree, { name: 'a', children: [{ name: 2 }] }, 'bad leaf'), false);
  });
});

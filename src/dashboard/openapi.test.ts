import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NAMED_SCHEMAS } from './api-schema.ts';
import { COMPUTE_ROUTES, ROUTES, openApiDocument } from './openapi.ts';

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') found.push(item);
      else refsIn(item, found);
    }
  }
  return found;
}

describe('dashboard OpenAPI description', () => {
  const document = openApiDocument('1.2.3') as {
    openapi: string;
    info: { version: string };
    components: { schemas: Record<string, unknown> };
    paths: Record<
      string,
      {
        get?: { parameters?: { name: string; in: string; required: boolean }[]; responses: Record<string, unknown> };
        post?: { requestBody?: { content: Record<string, unknown> }; responses: Record<string, unknown> };
      }
    >;
  };

  it('names every response schema and resolves every reference', () => {
    assert.equal(document.openapi, '3.0.3');
    assert.equal(document.info.version, '1.2.3');
    assert.deepEqual(Object.keys(document.components.schemas).sort(), Object.keys(NAMED_SCHEMAS).sort());
    const refs = refsIn(document);
    assert.ok(refs.length > 20);
    for (const ref of refs) {
      const name = ref.replace('#/components/schemas/', '');
      assert.ok(name in document.components.schemas, `unresolved ${ref}`);
    }
  });

  it('describes every route with its path and list parameters', () => {
    assert.deepEqual(
      Object.keys(document.paths),
      [...ROUTES, ...COMPUTE_ROUTES].map((r) => r.path),
    );
    const destinations = document.paths['/api/destinations']?.get?.parameters?.map((p) => p.name) ?? [];
    assert.deepEqual(destinations.sort(), ['cluster', 'limit', 'mesh', 'offset', 'search', 'sort', 'state']);
    const detail = document.paths['/api/destinations/{namespace}/{name}']?.get?.parameters ?? [];
    assert.deepEqual(
      detail.map((p) => [p.name, p.in]),
      [
        ['namespace', 'path'],
        ['name', 'path'],
      ],
    );
  });

  it('describes diff as a POST of policy YAML and explain with its query, both with their errors', () => {
    const diff = document.paths['/api/diff'];
    assert.equal(diff?.get, undefined);
    assert.deepEqual(Object.keys(diff?.post?.requestBody?.content ?? {}), ['application/yaml']);
    assert.deepEqual(Object.keys(diff?.post?.responses ?? {}).sort(), [
      '200',
      '400',
      '401',
      '403',
      '413',
      '415',
      '429',
      '503',
    ]);
    assert.deepEqual(refsIn(diff?.post?.responses['200']), ['#/components/schemas/DiffResult']);
    const explain = document.paths['/api/explain']?.get;
    assert.deepEqual(
      explain?.parameters?.map((p) => [p.name, p.in, p.required]),
      [
        ['to', 'query', true],
        ['from', 'query', false],
        ['method', 'query', false],
        ['path', 'query', false],
        ['header', 'query', false],
      ],
    );
    assert.deepEqual(refsIn(explain.responses['200']), ['#/components/schemas/Explanation']);
  });
});

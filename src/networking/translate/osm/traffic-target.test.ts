import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { osmPortProtocol, pathRegex } from './traffic-target.ts';

describe('AccessPolicy paths as OSM path regexes', () => {
  it('turns exact, prefix, suffix and any-path matches into whole-path RE2 regexes', () => {
    assert.equal(pathRegex('/books'), '/books');
    assert.equal(pathRegex('/books/*'), '/books/.*');
    assert.equal(pathRegex('*/review'), '.*/review');
    assert.equal(pathRegex('*'), '.*');
  });

  it('escapes regex syntax in the literal part, so a path matches only itself', () => {
    assert.equal(pathRegex('/v1.0/books?id'), '/v1\\.0/books\\?id');
    assert.equal(pathRegex('/a+(b)[c]{d}|^$*'), '/a\\+\\(b\\)\\[c\\]\\{d\\}\\|\\^\\$.*');
    const regex = new RegExp(`^${pathRegex('/v1.0/*') ?? ''}$`);
    assert.ok(regex.test('/v1.0/books'));
    assert.ok(!regex.test('/v1x0/books'));
  });

  it('refuses a * inside the path, as Istio does', () => {
    assert.equal(pathRegex('/books/*/reviews'), undefined);
  });
});

describe("OSM's protocol of a Service port", () => {
  it('takes appProtocol first, then a protocol prefix of the port name, else http', () => {
    assert.equal(osmPortProtocol({ name: 'http-web', appProtocol: 'tcp' }), 'tcp');
    assert.equal(osmPortProtocol({ name: 'tcp-server-first-mysql' }), 'tcp-server-first');
    assert.equal(osmPortProtocol({ name: 'tcp-db' }), 'tcp');
    assert.equal(osmPortProtocol({ name: 'grpc-api' }), 'grpc');
    assert.equal(osmPortProtocol({ name: 'mysql' }), 'http');
    assert.equal(osmPortProtocol({}), 'http');
  });
});

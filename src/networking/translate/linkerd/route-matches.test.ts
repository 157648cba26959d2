import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linkerdDuration } from './linkerd-duration.ts';
import { translateRouteMatches } from './route-matches.ts';

describe('translateRouteMatches', () => {
  it('matches every request (prefix /) without matchers', () => {
    assert.deepEqual(translateRouteMatches(undefined), {
      ok: true,
      value: [{ path: { type: 'PathPrefix', value: '/' } }],
    });
  });

  it('translates paths, methods, headers and query parameters, one match per matcher', () => {
    const result = translateRouteMatches([
      {
        uri: { prefix: '/api' },
        method: 'get',
        headers: [
          { name: 'X-User', value: 'jason' },
          { name: 'x-re', value: '^a.*', regex: true },
          { name: 'x-present' },
        ],
        queryParameters: [{ name: 'q', value: '1' }],
      },
      { uri: { exact: '/index.html' } },
      { uri: { suffix: '.json' } },
      { uri: { prefix: '/Api', ignoreCase: true } },
      { uri: { regex: '/v[0-9]+/.*' } },
      { method: 'POST' },
    ]);
    assert.deepEqual(result, {
      ok: true,
      value: [
        {
          path: { type: 'PathPrefix', value: '/api' },
          method: 'GET',
          headers: [
            { type: 'Exact', name: 'x-user', value: 'jason' },
            { type: 'RegularExpression', name: 'x-re', value: '^a.*' },
            { type: 'RegularExpression', name: 'x-present', value: '.*' },
          ],
          queryParams: [{ type: 'Exact', name: 'q', value: '1' }],
        },
        { path: { type: 'Exact', value: '/index.html' } },
        { path: { type: 'RegularExpression', value: '.*\\.json' } },
        { path: { type: 'RegularExpression', value: '(?i)/Api.*' } },
        { path: { type: 'RegularExpression', value: '/v[0-9]+/.*' } },
        { path: { type: 'PathPrefix', value: '/' }, method: 'POST' },
      ],
    });
  });

  it('reports what Gateway API cannot match, naming the field', () => {
    const result = translateRouteMatches([
      { headers: [{ name: 'x-a', value: 'b', invertMatch: true }] },
      { method: 'PURGE' },
      { uri: { prefix: 'api' } },
      { uri: { exact: '/a//b' } },
    ]);
    assert.deepEqual(result, {
      ok: false,
      errors: [
        'spec.httpRequestMatchers[0].headers[0].invertMatch: Gateway API HTTPRoute matches cannot negate a header (Linkerd)',
        'spec.httpRequestMatchers[1].method: "PURGE" is not a method Gateway API HTTPRoutes match',
        'spec.httpRequestMatchers[2].uri.prefix: "api" must start with /',
        'spec.httpRequestMatchers[3].uri.exact: "/a//b" must not contain //',
      ],
    });
  });
});

describe('linkerdDuration', () => {
  it('writes one whole number in the largest unit that divides the duration', () => {
    assert.deepEqual(linkerdDuration('1.5s', 'p'), { ok: true, value: '1500ms' });
    assert.deepEqual(linkerdDuration('2s', 'p'), { ok: true, value: '2s' });
    assert.deepEqual(linkerdDuration('1m30s', 'p'), { ok: true, value: '90s' });
    assert.deepEqual(linkerdDuration('120s', 'p'), { ok: true, value: '2m' });
    assert.deepEqual(linkerdDuration('2h', 'p'), { ok: true, value: '2h' });
  });

  it('refuses what Linkerd cannot read', () => {
    assert.deepEqual(linkerdDuration('1.5ms', 'p'), {
      ok: false,
      error: 'p: Linkerd takes whole milliseconds (got "1.5ms")',
    });
    assert.equal(linkerdDuration('0s', 'p').ok, false);
    assert.equal(linkerdDuration('123456789ms', 'p').ok, false);
  });
});

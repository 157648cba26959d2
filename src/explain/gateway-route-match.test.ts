// Gateway API HTTPRoute matches as Linkerd's proxy ranks them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareRanks, rankMatch, regexSpans } from './gateway-route-match.ts';

const path = (type: string, value: string) => ({ path: { type, value } });

describe('HTTPRoute matches as Linkerd evaluates them', () => {
  it('counts the characters a path match covers', () => {
    assert.equal(rankMatch(path('Exact', '/a/b'), { to: 'x', path: '/a/b' }).rank?.path, 4);
    assert.equal(rankMatch(path('Exact', '/a/b'), { to: 'x', path: '/a/b/' }).rank, undefined);
    assert.equal(rankMatch(path('PathPrefix', '/a/'), { to: 'x', path: '/a/b' }).rank?.path, 2);
    assert.equal(rankMatch(path('PathPrefix', '/a'), { to: 'x', path: '/ab' }).rank, undefined);
    assert.equal(rankMatch(path('PathPrefix', '/'), { to: 'x', path: '/anything' }).rank?.path, 1);
    assert.equal(rankMatch(path('RegularExpression', '/a/.*'), { to: 'x', path: '/a/bcd' }).rank?.path, 6);
    assert.equal(rankMatch({}, { to: 'x', path: '/q' }).rank?.path, 1);
  });

  it('accepts a regex only when its leftmost-first match spans the whole value', () => {
    assert.equal(regexSpans('a|ab', 'ab'), false);
    assert.equal(regexSpans('ab|a', 'ab'), true);
    assert.equal(regexSpans('/b', '/a/b'), false);
    assert.equal(regexSpans('(?i)/ABC', '/abc'), true);
    assert.equal(regexSpans('(', '/'), undefined);
  });

  it('ranks path length, then headers, then query parameters, then method', () => {
    const rank = (path: number, headers: number, queryParams: number, method: number) => ({
      path,
      headers,
      queryParams,
      method,
    });
    assert.ok(compareRanks(rank(5, 0, 0, 0), rank(4, 3, 3, 1)) > 0);
    assert.ok(compareRanks(rank(4, 1, 0, 0), rank(4, 0, 2, 1)) > 0);
    assert.ok(compareRanks(rank(4, 1, 1, 0), rank(4, 1, 0, 1)) > 0);
    assert.equal(compareRanks(rank(4, 1, 0, 1), rank(4, 1, 0, 1)), 0);
  });

  it('requires every header and the method, and cannot decide on query parameters', () => {
    const match = { method: 'POST', headers: [{ name: 'X-A', type: 'Exact', value: '1' }] };
    assert.deepEqual(rankMatch(match, { to: 'x', method: 'POST', headers: { 'x-a': '1' } }).rank, {
      path: 1,
      headers: 1,
      queryParams: 0,
      method: 1,
    });
    assert.equal(rankMatch(match, { to: 'x', headers: { 'x-a': '1' } }).rank, undefined);
    assert.equal(rankMatch(match, { to: 'x', method: 'POST' }).rank, undefined);
    const query = rankMatch({ queryParams: [{ name: 'q', type: 'Exact', value: '1' }] }, { to: 'x' });
    assert.equal(query.rank, undefined);
    assert.match(query.unknown ?? '', /query parameters/);
  });
});

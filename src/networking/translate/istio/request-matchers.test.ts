import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeRegex, translateRequestMatchers, translateStringMatch } from './request-matchers.ts';

describe('translateStringMatch', () => {
  it('keeps exact, prefix and regex; turns suffix and case-insensitivity into RE2', () => {
    assert.deepEqual(translateStringMatch({ exact: '/a' }, false), { exact: '/a' });
    assert.deepEqual(translateStringMatch({ prefix: '/a' }, false), { prefix: '/a' });
    assert.deepEqual(translateStringMatch({ regex: '/a+' }, false), { regex: '/a+' });
    assert.deepEqual(translateStringMatch({ suffix: '.json' }, false), { regex: '.*\\.json' });
    assert.deepEqual(translateStringMatch({ exact: 'A.b', ignoreCase: true }, false), { regex: '(?i)A\\.b' });
    assert.deepEqual(translateStringMatch({ prefix: 'A', ignoreCase: true }, false), { regex: '(?i)A.*' });
    // Where the caller has a flag (ignoreUriCase), exact and prefix stay as they are.
    assert.deepEqual(translateStringMatch({ exact: '/A', ignoreCase: true }, true), { exact: '/A' });
    assert.deepEqual(translateStringMatch({ regex: '/A', ignoreCase: true }, true), { regex: '(?i)/A' });
  });

  it('escapes every RE2 metacharacter', () => {
    assert.equal(
      escapeRegex('a.b*c+d?e(f)g|h[i]j{k}l^m$n\\o'),
      'a\\.b\\*c\\+d\\?e\\(f\\)g\\|h\\[i\\]j\\{k\\}l\\^m\\$n\\\\o',
    );
  });
});

describe('translateRequestMatchers', () => {
  it('matches every request when there is neither a matcher nor a source selector', () => {
    assert.deepEqual(translateRequestMatchers(undefined, undefined, 'c1'), [{}]);
  });

  it('translates uri, headers (regex, inverted, presence), query parameters, method and name', () => {
    const [match] = translateRequestMatchers(
      [
        {
          name: 'm',
          uri: { prefix: '/Api', ignoreCase: true },
          headers: [
            { name: 'X-A', value: '1' },
            { name: 'x-b', value: '^b', regex: true },
            { name: 'x-c' },
            { name: 'x-d', value: 'no', invertMatch: true },
          ],
          queryParameters: [{ name: 'q', value: '1' }, { name: 'p' }],
          method: 'GET',
        },
      ],
      undefined,
      'c1',
    );
    assert.deepEqual(match, {
      name: 'm',
      uri: { prefix: '/Api' },
      ignoreUriCase: true,
      headers: { 'x-a': { exact: '1' }, 'x-b': { regex: '^b' }, 'x-c': { regex: '.*' } },
      withoutHeaders: { 'x-d': { exact: 'no' } },
      queryParams: { q: { exact: '1' }, p: { regex: '.*' } },
      method: { exact: 'GET' },
    });
  });

  it('crosses every source (one per namespace) with every request matcher', () => {
    const matches = translateRequestMatchers(
      [{ method: 'GET' }, { method: 'POST' }],
      [{ kubeWorkloadMatcher: { labels: { app: 'x' }, namespaces: ['a', 'b'] } }],
      'c1',
    );
    assert.equal(matches.length, 4);
    assert.deepEqual(matches[0], { method: { exact: 'GET' }, sourceLabels: { app: 'x' }, sourceNamespace: 'a' });
    assert.deepEqual(matches[3], { method: { exact: 'POST' }, sourceLabels: { app: 'x' }, sourceNamespace: 'b' });
  });

  it('leaves out source selectors for other clusters, and drops source conditions when one names every source', () => {
    const selectors = [
      { kubeWorkloadMatcher: { labels: { app: 'x' }, clusters: ['c2'] } },
      { kubeWorkloadMatcher: { labels: { app: 'y' } } },
    ];
    assert.deepEqual(translateRequestMatchers(undefined, selectors, 'c1'), [{ sourceLabels: { app: 'y' } }]);
    assert.deepEqual(translateRequestMatchers(undefined, [...selectors, { kubeWorkloadMatcher: {} }], 'c1'), [{}]);
  });
});

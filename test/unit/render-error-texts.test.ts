// Error texts of `meshctl render` (issue 16, item 4): range errors in the API's types, one field-path
// notation, nothing of a Secret echoed, binary input named without its bytes, YAML columns as editors
// count them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { safeYamlMessage } from '../../src/snapshot/yaml.ts';
import { ISTIO_CLUSTER, meshctl, trafficPolicy, tree } from './render-support.ts';

const reviews = '{name: reviews, namespace: bookinfo, clusterName: cluster-1}';

describe('meshctl render: error texts', () => {
  it('speaks of uint32, int32 and percentages, with one field-path notation, never of JavaScript limits', () => {
    const dir = tree({
      ...ISTIO_CLUSTER,
      'mgmt/p.yaml': [
        trafficPolicy('weight', `{trafficShift: {destinations: [{kubeService: ${reviews}, weight: 5000000000}]}}`),
        trafficPolicy('attempts', '{retries: {attempts: 3000000000}}'),
        trafficPolicy('percent', '{faultInjection: {abort: {httpStatus: 500}, percentage: 101}}'),
        trafficPolicy('ejection', '{outlierDetection: {maxEjectionPercent: 101}}'),
        trafficPolicy('fraction', `{trafficShift: {destinations: [{kubeService: ${reviews}, weight: 1.5}]}}`),
      ].join('---\n'),
    });
    const run = meshctl('render', '--input', dir);
    const text = run.stdout + run.stderr;
    assert.doesNotMatch(text, /9007199254740991|Number\.MAX_SAFE_INTEGER/);
    const errorOf = (name: string) =>
      new RegExp(`^ {2}INVALID TrafficPolicy gloo-mesh/${name} \\(mgmt/p\\.yaml, document \\d\\): (.*)$`, 'm').exec(
        run.stderr,
      )?.[1];
    assert.equal(
      errorOf('weight'),
      'spec.policy.trafficShift.destinations[0].weight: must be a uint32: a whole number from 0 to 4294967295',
    );
    assert.equal(
      errorOf('attempts'),
      'spec.policy.retries.attempts: must be an int32: a whole number from -2147483648 to 2147483647',
    );
    assert.equal(errorOf('percent'), 'spec.policy.faultInjection.percentage: must be a percentage from 0 to 100');
    assert.equal(
      errorOf('ejection'),
      'spec.policy.outlierDetection.maxEjectionPercent: must be a percentage (uint32): a whole number from 0 to 100',
    );
    assert.equal(
      errorOf('fraction'),
      'spec.policy.trafficShift.destinations[0].weight: must be a uint32: a whole number from 0 to 4294967295',
    );
    assert.doesNotMatch(text, /destinations\.0\.|\.\d+\.weight/, 'no dotted indices');
  });

  it('refuses an int64 too large to read exactly without naming a JavaScript limit', () => {
    const policy = trafficPolicy('huge', '{requestTimeout: 5s}').replace(
      'metadata: {',
      'metadata: {generation: 99999999999999999999, ',
    );
    const run = meshctl('render', '--input', tree({ 'mgmt/huge.yaml': policy }));
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      'error: mgmt/huge.yaml (document 0): field metadata.generation: must be an int64 small enough to be read exactly (at most 2^53 - 1 either way)\n',
    );
  });

  it('names the field of a List item with the same notation', () => {
    const dir = tree({
      'clusters/c/list.yaml':
        'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {}\n',
    });
    const run = meshctl('render', '--input', dir);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      'error: clusters/c/list.yaml (document 0): missing required field items[0].metadata.name\n',
    );
  });

  it('never echoes the content of a Secret with a YAML error', () => {
    const secrets = [
      'password: "hunter2\\qtopsecret"', // an escape the parser quotes
      'password: !hunter2topsecret x', // a tag it quotes
      'password: |hunter2topsecret\n    x', // a block header it quotes
      'password: *hunter2topsecret', // an alias to no anchor
      'password: hunter2: topsecret', // a nested mapping
      'password: "hunter2topsecret', // an unclosed quote
      'password: [hunter2topsecret, }', // a broken flow sequence
      '? hunter2topsecret\n  : x\n  !x', // everything else
    ];
    for (const entry of secrets) {
      const dir = tree({
        'clusters/c/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: ns}\nstringData:\n  ${entry}\n`,
      });
      const run = meshctl('render', '--input', dir);
      // An unknown tag is no error (the value is read as a string); the rest are.
      if (!entry.includes('!hunter2')) {
        assert.equal(run.code, 1, `${entry}: ${run.stderr}`);
        assert.match(run.stderr, /^error: clusters\/c\/secret\.yaml \(document 0\): /);
      }
      assert.doesNotMatch(run.stderr + run.stdout, /hunter2|topsecret/, run.stderr);
    }
  });

  it('reports binary input without its bytes: a NUL byte, invalid UTF-8, a control character', () => {
    const header = Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s, namespace: ns}\ndata:\n  k: ');
    const cases: [Uint8Array, RegExp][] = [
      [
        Buffer.concat([header, Buffer.from([0x61, 0x00, 0x01, 0x62, 0x0a])]),
        /not a text file: a NUL byte \(binary\?\) at line 5, column 7;/,
      ],
      [
        Buffer.concat([header, Buffer.from([0xff, 0xfe, 0x41, 0x0a])]),
        /not a text file: line 5 holds bytes that are not UTF-8 \(binary\?\);/,
      ],
      [
        Buffer.concat([header, Buffer.from('ab\u001bc\n')]),
        /not a text file: the control character U\+001B at line 5, column 8;/,
      ],
    ];
    for (const [bytes, message] of cases) {
      const run = meshctl('render', '--input', tree({ 'clusters/c/blob.yaml': bytes }));
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /^error: clusters\/c\/blob\.yaml: /);
      assert.match(run.stderr, message);
      assert.equal(run.stderr.split('\n').length, 2, 'one line');
      // eslint-disable-next-line no-control-regex -- what must not be printed
      assert.doesNotMatch(run.stderr, /[\u0000-\u0008\u001b\ufffd]/);
    }
  });

  it('gives YAML error columns as an editor counts them (1-based, in characters)', () => {
    const at = (line: string) => {
      const dir = tree({
        'clusters/c/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s, namespace: ns}\ndata:\n${line}\n`,
      });
      const run = meshctl('render', '--input', dir);
      assert.equal(run.code, 1);
      return /at line (\d+), column (\d+)/.exec(run.stderr)?.slice(1).map(Number);
    };
    // The bad escape `\q` starts at column 10 in both lines: an emoji is one character, not two.
    assert.deepEqual(at('  k: "ab\\q"'), [5, 9]);
    assert.deepEqual(at('  k: "🙂é\\q"'), [5, 9]);
    assert.deepEqual(at('  k: "ab🙂🙂\\q"'), [5, 11]);
  });
});

describe('safeYamlMessage', () => {
  it("keeps the parser's words and drops what it quotes from the document", () => {
    const cases: [string, string][] = [
      ['Unresolved tag: !hunter2', 'Unresolved tag'],
      ['Invalid escape sequence \\q', 'Invalid escape sequence'],
      ['Block scalar header includes extra characters: |hunter2', 'Block scalar header includes extra characters'],
      ['Unresolved plain scalar "hunter2 x"', 'Unresolved plain scalar'],
      ['The !hunter2! tag has no suffix', 'A tag has no suffix'],
      ['Missing , or : between flow map items', 'Missing , or : between flow map items'],
      ['Nested mappings are not allowed in compact mappings', 'Nested mappings are not allowed in compact mappings'],
      ['Missing closing "quote', 'Missing closing "quote'],
    ];
    for (const [message, safe] of cases) assert.equal(safeYamlMessage(message), safe);
  });
});

// `meshctl explain request --input DIR`: the command picks the evaluator by the Destination's mesh and
// prints the same answer shape for each; names it does not know are errors naming them.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Explanation } from '../explain/explanation.ts';
import { runMeshctl } from './main.ts';

const cases = join(import.meta.dirname, '..', '..', 'testdata', 'networking');

async function meshctl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runMeshctl(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('meshctl explain request', () => {
  it('answers for a Linkerd Destination in JSON, the rule index among the objects used', async () => {
    const { code, stdout } = await meshctl(
      '-o',
      'json',
      'explain',
      'request',
      '--input',
      join(cases, 'linkerd-emojivoto', 'input'),
      '--to',
      'voting-svc-emojivoto-cluster-1',
      '--from',
      'web-emojivoto-cluster-1-deployment',
      '--method',
      'post',
      '--path',
      '/emojivoto.v1.VotingService/VoteDoughnut',
    );
    assert.equal(code, 0);
    const answer = JSON.parse(stdout) as Explanation;
    assert.equal(answer.mesh, 'linkerd');
    assert.equal(answer.request.method, 'POST');
    assert.ok(!('error' in answer.route));
    assert.equal(answer.route.timeout, '2s');
    assert.ok(
      answer.used.some((u) => u.kind === 'HTTPRoute' && u.name === 'voting-svc-retry-3-500ms' && u.routeIndex === 0),
    );
    assert.equal(answer.access.decision, 'ALLOW');
  });

  it('answers for an Open Service Mesh Destination in text', async () => {
    const { code, stdout } = await meshctl(
      'explain',
      'request',
      '--input',
      join(cases, 'osm-bookstore', 'input'),
      '--to',
      'bookstore-bookstore-cluster-1',
      '--from',
      'bookthief-bookthief-cluster-1-deployment',
    );
    assert.equal(code, 0);
    assert.match(stdout, /^to: +bookstore-bookstore-cluster-1 \(cluster cluster-1, .*Open Service Mesh\)$/m);
    assert.match(stdout, /^route: +TrafficSplit bookstore\/bookstore in cluster-1/m);
    assert.match(stdout, /^access: +DENY: /m);
  });

  it('fails naming a Destination or Workload it does not know', async () => {
    const input = join(cases, 'osm-bookstore', 'input');
    const unknown = await meshctl('explain', 'request', '--input', input, '--to', 'nope');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no Destination named nope/);
    const ghost = await meshctl(
      'explain',
      'request',
      '--input',
      input,
      '--to',
      'bookstore-bookstore-cluster-1',
      '--from',
      'ghost',
    );
    assert.equal(ghost.code, 1);
    assert.match(ghost.stderr, /no Workload named ghost/);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { clusterNameProblem, kubeconfigContexts } from './register-guide.ts';

describe('guided cluster register', () => {
  it('lists every context of the kubeconfig with its API server, marking the current one', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'register-guide-')), 'kubeconfig');
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: a, cluster: {server: "https://10.0.0.1:6443"}}, {name: b, cluster: {server: "https://10.0.0.2:6443"}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: mgmt, context: {cluster: a, user: u}}, {name: kind-east, context: {cluster: b, user: u}}]',
        'current-context: mgmt',
        '',
      ].join('\n'),
    );
    assert.deepEqual(kubeconfigContexts(path), [
      { name: 'mgmt', server: 'https://10.0.0.1:6443', current: true },
      { name: 'kind-east', server: 'https://10.0.0.2:6443', current: false },
    ]);
  });

  it('takes a DNS label that is not registered yet', () => {
    assert.equal(clusterNameProblem('east-1', ['west-1']), undefined);
    assert.match(clusterNameProblem('East_1', []) ?? '', /"East_1" is not a DNS label/);
    assert.match(clusterNameProblem('a'.repeat(64), []) ?? '', /not a DNS label/);
    assert.match(clusterNameProblem('west-1', ['west-1']) ?? '', /a cluster named west-1 is already registered/);
  });
});

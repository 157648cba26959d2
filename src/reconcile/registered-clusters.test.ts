import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/meta.ts';
import { registrations } from './registered-clusters.ts';

const cluster = (name: string, secretName?: string): KubeObject => ({
  apiVersion: 'multicluster.solo.io/v1alpha1',
  kind: 'KubernetesCluster',
  metadata: { name, namespace: 'gloo-mesh' },
  spec: secretName === undefined ? {} : { secretName },
});

const secret = (name: string, data: Record<string, string>, type = 'solo.io/kubeconfig'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'gloo-mesh' },
  type,
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
});

describe('registrations', () => {
  it('pairs each KubernetesCluster with its kubeconfig Secret (key kubeconfig, the cluster name, or the only key)', () => {
    const found = registrations(
      [cluster('b', 'b-creds'), cluster('a'), cluster('c')],
      [secret('a', { kubeconfig: 'KA' }), secret('b-creds', { b: 'KB' }), secret('c', { anything: 'KC' })],
      'gloo-mesh',
    );
    assert.deepEqual(
      found.map((r) => (r.outcome === 'ok' ? [r.cluster, r.secretName, r.kubeconfig] : [r.cluster, r.message])),
      [
        ['a', 'a', 'KA'],
        ['b', 'b-creds', 'KB'],
        ['c', 'c', 'KC'],
      ],
    );
  });

  it('reports a missing, mistyped or empty Secret per cluster without quoting its content', () => {
    const found = registrations(
      [cluster('missing'), cluster('opaque'), cluster('empty')],
      [secret('opaque', { kubeconfig: 'SECRET-TEXT' }, 'Opaque'), secret('empty', { x: 'a', y: 'b' })],
      'gloo-mesh',
    );
    const messages = found.map((r) => (r.outcome === 'error' ? r.message : 'ok'));
    assert.deepEqual(messages, [
      'Secret gloo-mesh/empty of cluster empty holds no kubeconfig (key "kubeconfig")',
      'KubernetesCluster gloo-mesh/missing: spec.secretName: Secret gloo-mesh/missing not found',
      'Secret gloo-mesh/opaque of cluster opaque is not of type solo.io/kubeconfig',
    ]);
    assert.ok(!messages.join().includes('SECRET-TEXT'));
  });
});

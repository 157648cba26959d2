import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/meta.ts';
import { deploymentReadiness, durationText, parseTimeout } from './deployment-readiness.ts';

function deployment(status: Record<string, unknown>, generation = 2): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'mesh-hub-controller', namespace: 'gloo-mesh', generation },
    spec: { replicas: 2 },
    status,
  };
}

const pendingPod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'mesh-hub-controller-abc', namespace: 'gloo-mesh' },
  status: { phase: 'Pending' },
} as KubeObject;

const pullingPod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'mesh-hub-controller-def', namespace: 'gloo-mesh' },
  spec: { nodeName: 'node-1' },
  status: {
    phase: 'Pending',
    containerStatuses: [{ name: 'controller', state: { waiting: { reason: 'ImagePullBackOff' } } }],
  },
} as KubeObject;

describe('deployment readiness', () => {
  it('is ready when every replica of the current generation is available', () => {
    const ready = deploymentReadiness(
      deployment({
        observedGeneration: 2,
        updatedReplicas: 2,
        availableReplicas: 2,
        conditions: [{ type: 'Available', status: 'True' }],
      }),
      [],
      'gloo-mesh/mesh-hub-controller',
    );
    assert.deepEqual(ready, { ready: true, detail: '2 of 2 replicas available' });
  });

  it('says why not: counts, a stale generation, failing conditions, unscheduled pods, image pulls', () => {
    const state = deploymentReadiness(
      deployment(
        {
          observedGeneration: 1,
          updatedReplicas: 2,
          availableReplicas: 1,
          conditions: [
            { type: 'Available', status: 'False', message: 'Deployment does not have minimum availability.' },
          ],
        },
        2,
      ),
      [pendingPod, pullingPod],
      'gloo-mesh/mesh-hub-controller',
    );
    assert.equal(state.ready, false);
    assert.equal(
      state.detail,
      '1 of 2 replicas available; the Deployment controller has not seen the latest spec yet; ' +
        'Available: Deployment does not have minimum availability.; ' +
        'pod mesh-hub-controller-abc: Pending, not scheduled to a node yet; ' +
        'pod mesh-hub-controller-def: controller: ImagePullBackOff',
    );
    assert.deepEqual(deploymentReadiness(undefined, [], 'gloo-mesh/x'), {
      ready: false,
      detail: 'Deployment gloo-mesh/x not found',
    });
  });

  it('parses --timeout and rejects nonsense with a usage error', () => {
    assert.equal(parseTimeout('--timeout', '5m'), 300_000);
    assert.equal(parseTimeout('--timeout', '90s'), 90_000);
    assert.equal(parseTimeout('--timeout', '30'), 30_000);
    assert.equal(parseTimeout('--timeout', '500ms'), 500);
    assert.equal(durationText(300_000), '5m');
    assert.equal(durationText(3000), '3s');
    assert.throws(() => parseTimeout('--timeout', 'soon'), { message: /--timeout soon: use a number/, exitCode: 2 });
    assert.throws(() => parseTimeout('--timeout', '0s'), { exitCode: 2 });
  });
});

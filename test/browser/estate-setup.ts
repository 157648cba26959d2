// What the browser tests' clusters share once they are up: bookinfo's policies, a user who may read
// policies in one namespace only (the dashboard must show that user nothing else), and a management
// plane running in the test process.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../src/api/meta.ts';
import { EXAMPLES_DIR } from '../../src/demo/estate.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import { requestToken } from '../../src/kube/registration.ts';
import { Controller } from '../../src/reconcile/controller.ts';
import { createMetrics } from '../../src/reconcile/metrics.ts';

/** The policies of examples/bookinfo. */
export function bookinfoPolicies(): KubeObject[] {
  return parseAllDocuments(readFileSync(join(EXAMPLES_DIR, 'bookinfo', 'mgmt', 'policies.yaml'), 'utf8'))
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

/** A ServiceAccount `viewer` that may read TrafficPolicies and AccessPolicies in `namespace` only; its token. */
export async function oneNamespaceViewerToken(mgmt: KubeClient, namespace: string): Promise<string> {
  await mgmt.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'viewer', namespace } });
  await mgmt.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'policy-reader', namespace },
    rules: [
      {
        apiGroups: ['networking.mesh.gloo.solo.io'],
        resources: ['trafficpolicies', 'accesspolicies'],
        verbs: ['get', 'list', 'watch'],
      },
    ],
  });
  await mgmt.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'viewer-policy-reader', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'policy-reader' },
    subjects: [{ kind: 'ServiceAccount', name: 'viewer', namespace }],
  });
  return (await requestToken(mgmt, namespace, 3600, 'viewer')).token;
}

/** The management plane in this process, leading, with a short debounce. */
export function startManagementPlane(mgmt: KubeClient, installNamespace: string): Controller {
  const controller = new Controller({
    mgmt,
    installNamespace,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics(),
    debounceMs: 20,
  });
  controller.start();
  controller.setLeading(true);
  return controller;
}

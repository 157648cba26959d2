// `meshctl rbac can-i` offline (Role files) and `describe role`'s words, on the persona Roles.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rolesAndBindings } from './commands/rbac.ts';
import { runMeshctl } from './main.ts';
import { parseKubeYaml } from '../snapshot/yaml.ts';
import { describeRole, formatRoleDescription } from '../rbac/describe-role.ts';

const ROLES = join(import.meta.dirname, '..', 'api', 'testdata', 'roles.yaml');

async function meshctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runMeshctl(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'can-i-'));
const policies = join(dir, 'policies.yaml');
writeFileSync(
  policies,
  `apiVersion: networking.mesh.gloo.solo.io/v1
kind: TrafficPolicy
metadata: {name: ratings-retries, namespace: gloo-mesh}
spec:
  sourceSelector: [{kubeWorkloadMatcher: {labels: {app: productpage, version: v1}, namespaces: [bookinfo]}}]
  destinationSelector: [{kubeServiceRefs: {services: [{name: ratings, namespace: bookinfo, clusterName: cluster-1}]}}]
  policy: {retries: {attempts: 2}}
---
apiVersion: networking.mesh.gloo.solo.io/v1
kind: TrafficPolicy
metadata: {name: ratings-shift, namespace: gloo-mesh}
spec:
  sourceSelector: [{kubeWorkloadMatcher: {labels: {app: productpage, version: v1}, namespaces: [bookinfo]}}]
  destinationSelector: [{kubeServiceRefs: {services: [{name: ratings, namespace: bookinfo, clusterName: cluster-1}]}}]
  policy: {trafficShift: {}}
`,
);

describe('meshctl rbac can-i (offline)', () => {
  it('answers per object with the reason, exit 1 when one is denied', async () => {
    const run = await meshctl(['rbac', 'can-i', '--as', 'gloo', '-f', policies, '--roles', ROLES]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stdout,
      'yes  TrafficPolicy gloo-mesh/ratings-retries: Role gloo-mesh/destination-consumer-role (RoleBinding gloo-mesh/destination-consumer-role-binding)\n' +
        'no  TrafficPolicy gloo-mesh/ratings-shift: no bound Role permits trafficPolicyAction TRAFFIC_SHIFT for destination ratings.bookinfo.cluster-1\n',
    );
    assert.match(run.stderr, /1 of 2 denied/);
  });

  it('binds by group; exit 0 when all are allowed; unbound users are told so', async () => {
    const one = join(dir, 'one.yaml');
    writeFileSync(one, readFileSync(policies, 'utf8').split('---')[0] ?? '');
    assert.equal(
      (await meshctl(['rbac', 'can-i', '--as', 'x', '--as-group', 'bookinfo-devs', '-f', one, '--roles', ROLES])).code,
      0,
    );
    const nobody = await meshctl(['rbac', 'can-i', '--as', 'x', '-f', one, '--roles', ROLES, '-o', 'json']);
    assert.equal(nobody.code, 1);
    assert.deepEqual(JSON.parse(nobody.stdout), [
      {
        object: 'TrafficPolicy gloo-mesh/ratings-retries',
        allowed: false,
        reason: 'no RoleBinding binds a Role to this user or its groups',
      },
    ]);
  });

  it('names the file and field of a malformed Role', async () => {
    const bad = join(dir, 'bad-role.yaml');
    writeFileSync(
      bad,
      'apiVersion: rbac.enterprise.mesh.gloo.solo.io/v1\nkind: Role\nmetadata: {name: r}\nspec: {trafficPolicyScopes: [{trafficPolicyActions: [SHIFT]}]}\n',
    );
    const run = await meshctl(['rbac', 'can-i', '--as', 'x', '-f', policies, '--roles', bad]);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /bad-role\.yaml document 1: Role r: spec\.trafficPolicyScopes\.0\.trafficPolicyActions\.0: /,
    );
  });
});

describe('describe role, in words', () => {
  it('lists each scope and who is bound', () => {
    const objects = parseKubeYaml(readFileSync(ROLES, 'utf8'), ROLES).map((d) => ({ object: d.object, where: ROLES }));
    const { roles, bindings } = rolesAndBindings(objects);
    const consumer = roles.find((r) => r.metadata.name === 'destination-consumer-role');
    assert.ok(consumer);
    assert.equal(
      formatRoleDescription(describeRole(consumer, bindings)),
      [
        'Role gloo-mesh/destination-consumer-role',
        'TrafficPolicy (scope 1):',
        '  actions: RETRIES, REQUEST_TIMEOUT, FAULT_INJECTION',
        '  for: destination ratings.bookinfo.*',
        '  from: Workloads with labels app=productpage, version=v1 in namespaces bookinfo',
        'AccessPolicy (scope 1):',
        '  from: service account productpage.bookinfo.*',
        '  to: destination ratings.bookinfo.*',
        'VirtualMesh: none may be written',
        'VirtualDestination: none may be written',
        'Bound to:',
        '  Group bookinfo-devs (RoleBinding gloo-mesh/destination-consumer-role-binding)',
        '  ServiceAccount pipelines/ci (RoleBinding gloo-mesh/destination-consumer-role-binding)',
        '  User gloo (RoleBinding gloo-mesh/destination-consumer-role-binding)',
        '',
      ].join('\n'),
    );
  });
});

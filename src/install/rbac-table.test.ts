import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { allGrants, rbacTable } from './rbac-table.ts';

const documented = readFileSync(join(import.meta.dirname, '../../docs/rbac.md'), 'utf8');
const rows = new Set(documented.split('\n').filter((line) => line.startsWith('| meshctl')));

describe('RBAC snapshot', () => {
  it('grants nothing that docs/rbac.md does not list (run `npm run generate` after a deliberate change)', () => {
    const table = rbacTable()
      .split('\n')
      .filter((line) => line.startsWith('| meshctl'));
    const undocumented = table.filter((row) => !rows.has(row));
    assert.deepEqual(undocumented, [], 'grants missing from docs/rbac.md');
    const stale = [...rows].filter((row) => !table.includes(row));
    assert.deepEqual(stale, [], 'docs/rbac.md lists grants no role gives any more');
  });

  it('has no wildcard, no RBAC right, no delete of Secrets or Pods, no Secret rights cluster-wide', () => {
    const grants = allGrants();
    assert.ok(grants.length > 40);
    for (const grant of grants) {
      const where = JSON.stringify(grant);
      assert.ok(![grant.apiGroup, grant.resource, grant.verb, grant.resourceNames].some((v) => v.includes('*')), where);
      assert.notEqual(grant.apiGroup, 'rbac.authorization.k8s.io', where);
      assert.ok(!['escalate', 'bind', 'impersonate'].includes(grant.verb), where);
      if (grant.resource === 'secrets' || grant.resource === 'pods') assert.notEqual(grant.verb, 'delete', where);
      if (grant.resource === 'secrets') assert.notEqual(grant.scope, 'cluster', where);
    }
  });

  it('lets the management plane read its own namespace object only, for its identity', () => {
    const namespaces = allGrants().filter((g) => g.resource === 'namespaces' && g.writtenBy === 'meshctl install');
    assert.deepEqual(
      namespaces.map((g) => [g.verb, g.resourceNames]),
      [['get', 'INSTALL_NS']],
    );
  });
});

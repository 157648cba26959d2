// `meshctl rbac can-i`: would the role-based API let this user (and groups) write these policies?
// Offline with Role and RoleBinding files (--roles), or with those on the management cluster.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../api/meta.ts';
import { RoleBindingSpec } from '../../api/rbac/v1/role-binding.ts';
import { RoleSpec } from '../../api/rbac/v1/role.ts';
import { KubeApiError, type KubeClient } from '../../kube/client.ts';
import { MESH_HUB_ROLE, MESH_HUB_ROLE_BINDING } from '../../kube/resources.ts';
import { decide, type NamedRole, type NamedRoleBinding } from '../../rbac/decide.ts';
import { parseKubeYaml } from '../../snapshot/yaml.ts';
import { asClusterFailure } from '../cluster-failure.ts';
import { managementClient } from '../clients.ts';
import { CommandError, type CommandIO, type GlobalOptions } from '../context.ts';
import { printResult } from '../output.ts';

const RBAC_GROUP = 'rbac.enterprise.mesh.gloo.solo.io/';

function yamlFiles(path: string): string[] {
  if (!statSync(path, { throwIfNoEntry: false })?.isDirectory()) return [path];
  return readdirSync(path, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.(ya?ml|json)$/.test(name))
    .sort()
    .map((name) => join(path, name));
}

function readObjects(path: string): { object: KubeObject; where: string }[] {
  if (statSync(path, { throwIfNoEntry: false }) === undefined)
    throw new CommandError(`${path}: no such file or folder`, 2);
  return yamlFiles(path).flatMap((file) =>
    parseKubeYaml(readFileSync(file, 'utf8'), file).map((doc) => ({
      object: doc.object,
      where: `${file} document ${String(doc.document + 1)}`,
    })),
  );
}

/** Roles and RoleBindings; a malformed one is an error naming its file and field, never skipped. */
export function rolesAndBindings(objects: readonly { object: KubeObject; where: string }[]): {
  roles: NamedRole[];
  bindings: NamedRoleBinding[];
} {
  const roles: NamedRole[] = [];
  const bindings: NamedRoleBinding[] = [];
  for (const { object, where } of objects) {
    if (!object.apiVersion.startsWith(RBAC_GROUP)) continue;
    const schema = object.kind === 'Role' ? RoleSpec : object.kind === 'RoleBinding' ? RoleBindingSpec : undefined;
    if (schema === undefined) continue;
    const parsed = schema.safeParse((object as { spec?: unknown }).spec ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CommandError(
        `${where}: ${object.kind} ${object.metadata.name}: spec.${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
        2,
      );
    }
    if (object.kind === 'Role') roles.push({ metadata: object.metadata, spec: RoleSpec.parse(parsed.data) });
    else bindings.push({ metadata: object.metadata, spec: RoleBindingSpec.parse(parsed.data) });
  }
  return { roles, bindings };
}

async function fromCluster(mgmt: KubeClient, namespace: string): Promise<{ object: KubeObject; where: string }[]> {
  const [roles, bindings] = await Promise.all([
    mgmt.list(MESH_HUB_ROLE, { namespace }),
    mgmt.list(MESH_HUB_ROLE_BINDING, { namespace }),
  ]);
  return [...roles.items, ...bindings.items].map((object) => ({
    object,
    where: `cluster ${mgmt.cluster}`,
  }));
}

export interface CanIAnswer {
  readonly object: string;
  readonly allowed: boolean;
  readonly reason: string;
}

export function rbacCanIAction(io: CommandIO, globals: () => GlobalOptions) {
  return async (flags: {
    as: string;
    asGroup: string[];
    filename: string;
    roles?: string;
    operation: string;
    namespace: string;
  }) => {
    const operation = flags.operation.toUpperCase();
    if (operation !== 'CREATE' && operation !== 'UPDATE' && operation !== 'DELETE')
      throw new CommandError(`--operation ${flags.operation}: use create, update or delete`, 2);
    const policies = readObjects(flags.filename);
    let sources: { object: KubeObject; where: string }[];
    if (flags.roles !== undefined) sources = readObjects(flags.roles);
    else {
      const mgmt = managementClient(globals());
      try {
        sources = await fromCluster(mgmt, flags.namespace);
      } catch (error) {
        if (error instanceof KubeApiError) throw asClusterFailure(error, [mgmt]);
        throw error;
      }
    }
    const { roles, bindings } = rolesAndBindings(sources);
    const user = { username: flags.as, groups: flags.asGroup };
    const answers: CanIAnswer[] = policies.map(({ object }) => {
      const op = operation;
      const decision = decide(
        {
          user,
          operation: op,
          ...(op === 'DELETE' ? { oldObject: object } : { object }),
          ...(op === 'UPDATE' ? { oldObject: object } : {}),
        },
        roles,
        bindings,
      );
      const name = `${object.kind} ${object.metadata.namespace ?? ''}${object.metadata.namespace === undefined ? '' : '/'}${object.metadata.name}`;
      if (!decision.allowed) return { object: name, allowed: false, reason: decision.reason };
      return {
        object: name,
        allowed: true,
        reason: decision.governed
          ? `Role ${decision.role} (RoleBinding ${decision.binding})`
          : 'not a kind the role-based API governs',
      };
    });
    printResult(io, globals().outputFormat, answers, () =>
      answers.map((a) => `${a.allowed ? 'yes' : 'no'}  ${a.object}: ${a.reason}\n`).join(''),
    );
    const denied = answers.filter((a) => !a.allowed).length;
    if (denied > 0) throw new CommandError(`${String(denied)} of ${String(answers.length)} denied`, 1);
  };
}

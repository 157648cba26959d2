// `meshctl describe KIND NAME`: its declaration (arguments, options, help); the action is commands/describe.ts.
import { Argument, InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_INSTALL_NAMESPACE } from '../../api/labels.ts';
import type { CommandIO, GlobalOptions } from '../context.ts';
import { DESCRIBE_KINDS, KIND_NAMES, parseDescribeKind, type DescribeKind } from '../describe-kinds.ts';
import { lazyAction } from './lazy-action.ts';

/** `destination (dest), …, mesh, …`: the kinds and their short names, for help and errors. */
function kindList(): string {
  const kinds = DESCRIBE_KINDS.map((kind) => {
    const short = KIND_NAMES[kind].aliases.slice(1);
    return short.length === 0 ? kind : `${kind} (${short.join(', ')})`;
  });
  return `${kinds.join(', ')}; also plural, in any case, or with the API group`;
}

/** The role-based API's Role (not Kubernetes RBAC's): `role`, `roles`, `gmrole`, optionally group-qualified. */
function isRoleKind(value: string): boolean {
  const [name, ...rest] = value.trim().toLowerCase().split('.');
  const qualifier = rest.join('.');
  return (
    ['role', 'roles', 'gmrole'].includes(name ?? '') &&
    ['', 'rbac.enterprise.mesh.gloo.solo.io', 'v1.rbac.enterprise.mesh.gloo.solo.io'].includes(qualifier)
  );
}

function kindArgument(value: string): DescribeKind | 'role' {
  if (isRoleKind(value)) return 'role';
  const kind = parseDescribeKind(value);
  if (kind === undefined) throw new InvalidArgumentError(`unknown kind; use one of ${kindList()}`);
  return kind;
}

export function registerDescribe(program: Command, io: CommandIO, globals: () => GlobalOptions): void {
  program
    .command('describe')
    .description(
      'Explain one object: for a Destination the policies applied or rejected (and why) and the objects written for it in each cluster; for a policy its per-Destination state',
    )
    .addArgument(
      new Argument(
        '<kind>',
        `what to describe: ${kindList()}, or role (a role-based API Role: what it permits, in words)`,
      ).argParser(kindArgument),
    )
    .argument('<name>', 'its name, or namespace/name')
    .option(
      '-n, --namespace <ns>',
      'namespace of the object (Destinations, Workloads and Meshes live in the install namespace)',
      DEFAULT_INSTALL_NAMESPACE,
    )
    .addHelpText(
      'after',
      `
Policies and VirtualMeshes may live in any namespace: name them as namespace/name or with -n.
Registered clusters that cannot be reached are reported per cluster; the rest is still shown.`,
    )
    .action(
      lazyAction(
        () => import('../commands/describe.ts'),
        (m) => m.describeAction(io, globals),
      ),
    );
}

// `meshctl rbac can-i`: its declaration (options, help); the action is commands/rbac.ts.
import type { Command } from 'commander';
import type { CommandIO, GlobalOptions } from '../context.ts';
import { namespaceOption } from './options.ts';
import { lazyAction } from './lazy-action.ts';

export function registerRbac(program: Command, io: CommandIO, globals: () => GlobalOptions): void {
  const rbac = program
    .command('rbac')
    .description("The role-based API: who may write which policies (Mesh Hub's Roles)");
  rbac
    .command('can-i')
    .description(
      'Would the role-based API allow USER (and groups) to write the policies in a file? Exit 0 when every one is allowed, 1 otherwise',
    )
    .requiredOption('--as <user>', 'the user name, as the management cluster authenticates it')
    .option(
      '--as-group <group>',
      'a group of the user (repeat for several)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .requiredOption(
      '-f, --filename <file>',
      'the TrafficPolicies, AccessPolicies, VirtualMeshes, VirtualDestinations (YAML)',
    )
    .option(
      '--roles <path>',
      'Role and RoleBinding files or a folder of them (offline); default: those on the management cluster',
    )
    .option('--operation <op>', 'create, update or delete', 'create')
    .option(...namespaceOption)
    .action(
      lazyAction(
        () => import('../commands/rbac.ts'),
        (m) => m.rbacCanIAction(io, globals),
      ),
    );
}

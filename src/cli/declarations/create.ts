// `meshctl create trafficpolicy|accesspolicy|virtualmesh`: the declarations, one flag per question of
// each kind (../create/<kind>.ts); the action is commands/create.ts.
import type { Command } from 'commander';
import { DEFAULT_INSTALL_NAMESPACE } from '../../api/labels.ts';
import type { CommandIO, GlobalOptions } from '../context.ts';
import { accessPolicyCreate } from '../create/access-policy.ts';
import type { CreateKind } from '../create/questions.ts';
import { trafficPolicyCreate } from '../create/traffic-policy.ts';
import { virtualMeshCreate } from '../create/virtual-mesh.ts';
import { lazyAction } from './lazy-action.ts';

export const CREATE_KINDS: readonly CreateKind[] = [trafficPolicyCreate, accessPolicyCreate, virtualMeshCreate];

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerCreate(program: Command, io: CommandIO, globals: () => GlobalOptions): void {
  const create = program
    .command('create')
    .description(
      'Create a TrafficPolicy, AccessPolicy or VirtualMesh: asked step by step on a terminal, or all from flags',
    );
  for (const kind of CREATE_KINDS) {
    const command = create
      .command(kind.word)
      .alias(kind.alias)
      .description(
        `Create ${/^[AEIOU]/.test(kind.kind) ? 'an' : 'a'} ${kind.kind}: asks what a flag did not answer (choices from the management cluster), shows the YAML and what it would change, then applies it`,
      );
    for (const question of kind.questions) {
      if (question.type === 'multi' || question.type === 'weighted')
        command.option(question.flag, question.help, collect);
      else command.option(question.flag, question.help);
    }
    command
      .option(
        '--install-namespace <ns>',
        'namespace Mesh Hub is installed in (its discovered Meshes, Destinations and Workloads)',
        DEFAULT_INSTALL_NAMESPACE,
      )
      .option('--output <file>', 'write the YAML to this file instead of applying it')
      .option('--dry-run', 'print the YAML and what it would change; apply nothing')
      .action(
        lazyAction(
          () => import('../commands/create.ts'),
          (m) => m.createAction(kind, io, globals),
        ),
      );
  }
}

// `meshctl check`: its declaration (options, help); the action is commands/check.ts.
import type { Command } from 'commander';
import type { CommandIO, GlobalOptions } from '../context.ts';
import { namespaceOption } from './options.ts';
import { lazyAction } from './lazy-action.ts';

export function registerCheck(program: Command, io: CommandIO, globals: () => GlobalOptions): void {
  program
    .command('check')
    .description(
      'Check Mesh Hub: the management plane, the CRDs, every registered cluster (reachable, token authorised) and version skew; with --pre, whether a cluster can take an install',
    )
    .option(...namespaceOption)
    .option('--pre', 'check the cluster before an install: API reachable, Kubernetes version, permissions to install')
    .action(
      lazyAction(
        () => import('../commands/check.ts'),
        (m) => m.checkAction(io, globals),
      ),
    );
}

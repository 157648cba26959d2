// `meshctl demo up|down`: the declarations; the actions are commands/demo.ts.
import type { Command } from 'commander';
import type { CommandIO } from '../context.ts';
import { lazyAction } from './lazy-action.ts';

export function registerDemo(program: Command, io: CommandIO): void {
  const demo = program
    .command('demo')
    .description('Run Mesh Hub on three local clusters with bookinfo (needs Go to build Kubernetes the first time)');
  demo
    .command('up', { isDefault: true })
    .description('Start the demo (the default)')
    .action(
      lazyAction(
        () => import('../commands/demo.ts'),
        (m) => m.demoUpAction(io),
      ),
    );
  demo
    .command('down')
    .description('Stop the demo: the management plane and the three clusters')
    .action(
      lazyAction(
        () => import('../commands/demo.ts'),
        (m) => m.demoDownAction(io),
      ),
    );
}

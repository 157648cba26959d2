// `meshctl top destinations|workloads`: the declarations (options, help); the action is commands/top.ts.
import { Option, type Command } from 'commander';
import type { CommandIO, GlobalOptions } from '../context.ts';
import { lazyAction } from './lazy-action.ts';
import { namespaceOption } from './options.ts';

export const TOP_SORTS = ['rps', 'errors', 'p99'] as const;
export type TopSort = (typeof TOP_SORTS)[number];

export function registerTop(program: Command, io: CommandIO, globals: () => GlobalOptions): void {
  const top = program
    .command('top')
    .description('Live traffic per Destination or Workload, from each cluster’s Prometheus');
  for (const what of ['destinations', 'workloads'] as const) {
    top
      .command(what)
      .description(
        `Request rate, success rate and latency of each discovered ${what === 'destinations' ? 'Destination' : 'Workload'}`,
      )
      .option(...namespaceOption)
      .option('--cluster <name>', 'only the objects of this registered cluster')
      .addOption(
        new Option('--sort <key>', 'order: requests per second, errors per second, or p99 latency')
          .choices(TOP_SORTS)
          .default('rps'),
      )
      .option('--window <duration>', 'the window rates and latencies are taken over', '5m')
      .option('--timeout <duration>', 'deadline of each Prometheus query', '10s')
      .action(
        lazyAction(
          () => import('../commands/top.ts'),
          (m) => m.topAction(io, globals, what),
        ),
      );
  }
}

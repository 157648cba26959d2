// `meshctl completion bash|zsh|fish`: its declaration; the action is commands/completion.ts.
import { Argument, type Command } from 'commander';
import { SHELLS } from '../completion.ts';
import type { CommandIO } from '../context.ts';
import { lazyAction } from './lazy-action.ts';

export function registerCompletion(program: Command, io: CommandIO): void {
  program
    .command('completion')
    .description('Print a shell completion script for bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .addHelpText(
      'after',
      `
Examples:
  source <(meshctl completion bash)                        # this bash session
  meshctl completion bash > ~/.local/share/bash-completion/completions/meshctl
  source <(meshctl completion zsh)                         # this zsh session
  meshctl completion fish > ~/.config/fish/completions/meshctl.fish`,
    )
    .action(
      lazyAction(
        () => import('../commands/completion.ts'),
        (m) => m.completionAction(io, program),
      ),
    );
}

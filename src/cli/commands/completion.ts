// `meshctl completion bash|zsh|fish`: a completion script for the shell, from the command definitions.
import { Argument, type Command } from 'commander';
import type { CommandIO } from '../context.ts';
import { SHELLS, completionScript, type Shell } from '../completion.ts';
import { DESCRIBE_KINDS, KIND_NAMES } from '../describe-model.ts';

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
    .action((shell: Shell) => {
      const kinds = DESCRIBE_KINDS.flatMap((kind) => [kind, ...KIND_NAMES[kind].aliases]);
      io.stdout(completionScript(shell, program, { describe: kinds }));
    });
}

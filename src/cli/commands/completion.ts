// `meshctl completion bash|zsh|fish`: a completion script for the shell, from the command definitions.
import type { Command } from 'commander';
import type { CommandIO } from '../context.ts';
import { completionScript, type Shell } from '../completion.ts';
import { DESCRIBE_KINDS, KIND_NAMES } from '../describe-kinds.ts';

export function completionAction(io: CommandIO, program: Command) {
  return (shell: Shell) => {
    const kinds = DESCRIBE_KINDS.flatMap((kind) => [kind, ...KIND_NAMES[kind].aliases]);
    io.stdout(completionScript(shell, program, { describe: kinds }));
  };
}

// Shell completion scripts for bash, zsh and fish, generated from meshctl's command definitions, so a
// new command or flag is completed without anyone editing a script.
import type { Command, Option } from 'commander';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface FlagSpec {
  readonly short?: string;
  readonly long?: string;
  readonly description: string;
  readonly takesValue: boolean;
  readonly choices: readonly string[];
  /** The value is a file or folder (`<path>`, `<dir>`, `<file>`): the shell completes file names. */
  readonly file: boolean;
  /** The value is a kubeconfig context: completed from `kubectl config get-contexts` when kubectl is there. */
  readonly context: boolean;
}

interface CommandSpec {
  readonly path: readonly string[];
  readonly description: string;
  readonly subcommands: readonly string[];
  readonly flags: readonly FlagSpec[];
  /** Words offered for the first argument (e.g. describe's kinds). */
  readonly words: readonly string[];
}

function flagOf(option: Option): FlagSpec {
  const value = /<([^>]+)>|\[([^\]]+)\]/.exec(option.flags);
  const valueName = value?.[1] ?? value?.[2] ?? '';
  return {
    ...(option.short === undefined ? {} : { short: option.short }),
    ...(option.long === undefined ? {} : { long: option.long }),
    description: option.description,
    takesValue: option.required || option.optional,
    choices: option.argChoices ?? [],
    file: /path|dir|file/.test(valueName),
    context: /context/.test(option.long ?? ''),
  };
}

/** Every command of the tree (the program itself first), with what can follow it. */
export function commandSpecs(
  program: Command,
  argumentWords: Readonly<Record<string, readonly string[]>> = {},
): CommandSpec[] {
  const specs: CommandSpec[] = [];
  const walk = (command: Command, path: readonly string[]) => {
    const firstArgument = command.registeredArguments[0];
    specs.push({
      path,
      description: command.description(),
      subcommands: command.commands.map((c) => c.name()),
      // As help lists them: hidden ones left out, --help (and the program's --version) in.
      flags: command.createHelp().visibleOptions(command).map(flagOf),
      words: argumentWords[path.join(' ')] ?? firstArgument?.argChoices ?? [],
    });
    for (const sub of command.commands) walk(sub, [...path, sub.name()]);
  };
  walk(program, []);
  return specs;
}

function names(flag: FlagSpec): string[] {
  return [flag.short, flag.long].filter((n): n is string => n !== undefined);
}

/** One line of description for a menu: the text up to its first colon, semicolon or parenthesis. */
function shortDescription(text: string): string {
  const cut = text.split(/: |; | \(/)[0] ?? text;
  return cut.length > 80 ? `${cut.slice(0, 77)}...` : cut;
}

function bashFunction(program: Command, specs: readonly CommandSpec[]): string {
  const name = program.name();
  const fn = `_${name.replaceAll('-', '_')}`;
  const [root] = specs;
  const globalFlags = root?.flags.filter((f) => f.long !== '--help' && f.long !== '--version') ?? [];
  const allFlags = specs.flatMap((s) => s.flags);
  const valueFlags = [...new Set(allFlags.filter((f) => f.takesValue).flatMap(names))].sort();
  const key = (path: readonly string[]) => `/${path.join('/')}`;
  const nested = specs.filter((s) => s.path.length > 0).map((s) => key(s.path));
  // Flags of the same name share how their values complete (e.g. --output is a folder wherever it is taken).
  const byValue = new Map<string, string[]>();
  for (const flag of allFlags.filter((f) => f.takesValue)) {
    const completion =
      flag.choices.length > 0
        ? `COMPREPLY=($(compgen -W "${flag.choices.join(' ')}" -- "$cur"))`
        : flag.file
          ? 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur"))'
          : flag.context
            ? 'COMPREPLY=($(compgen -W "$(kubectl config get-contexts -o name 2>/dev/null)" -- "$cur"))'
            : 'COMPREPLY=()';
    for (const n of names(flag)) if (!byValue.has(n)) byValue.set(n, [completion]);
  }
  const valueCases = [...byValue].map(([flag, [completion]]) => `    ${flag}) ${completion ?? ''}; return ;;`);
  const wordCases = specs.map((spec) => {
    const flags = [...spec.flags, ...(spec.path.length > 0 ? globalFlags : [])].flatMap(names);
    const words = [...spec.subcommands, ...flags].join(' ');
    const args = spec.words.length === 0 ? '' : ` ; ((nargs == 0)) && words="$words ${spec.words.join(' ')}"`;
    return `    "${key(spec.path) === '/' ? '' : key(spec.path)}") words="${words}"${args} ;;`;
  });
  return `${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local path="" word words i skip=0 nargs=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    if ((skip)); then skip=0; continue; fi
    case "$word" in
      ${valueFlags.join('|')}) skip=1; continue ;;
      -*) continue ;;
    esac
    case "$path/$word" in
      ${nested.join('|')}) path="$path/$word"; nargs=0 ;;
      *) nargs=$((nargs + 1)) ;;
    esac
  done
  case "$prev" in
${valueCases.join('\n')}
  esac
  case "$path" in
${wordCases.join('\n')}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F ${fn} ${name}
`;
}

function bashScript(program: Command, specs: readonly CommandSpec[]): string {
  return `# ${program.name()} completion for bash. Load it with:  source <(${program.name()} completion bash)
${bashFunction(program, specs)}`;
}

/** zsh runs the bash function through its bash-completion emulation, so both shells complete the same. */
function zshScript(program: Command, specs: readonly CommandSpec[]): string {
  return `#compdef ${program.name()}
# ${program.name()} completion for zsh. Load it with:  source <(${program.name()} completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashFunction(program, specs)}`;
}

function fishQuote(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

function fishScript(program: Command, specs: readonly CommandSpec[]): string {
  const name = program.name();
  const lines = [
    `# ${name} completion for fish. Load it with:  ${name} completion fish | source`,
    `complete -c ${name} -f`,
  ];
  const condition = (spec: CommandSpec): string => {
    if (spec.path.length === 0) return '__fish_use_subcommand';
    const seen = spec.path.map((word) => `__fish_seen_subcommand_from ${word}`);
    if (spec.subcommands.length > 0) seen.push(`not __fish_seen_subcommand_from ${spec.subcommands.join(' ')}`);
    return seen.join('; and ');
  };
  for (const spec of specs) {
    const when = fishQuote(condition(spec));
    for (const sub of spec.subcommands) {
      const child = specs.find((s) => s.path.join(' ') === [...spec.path, sub].join(' '));
      lines.push(
        `complete -c ${name} -n ${when} -a ${sub} -d ${fishQuote(shortDescription(child?.description ?? ''))}`,
      );
    }
    if (spec.words.length > 0) lines.push(`complete -c ${name} -n ${when} -a ${fishQuote(spec.words.join(' '))}`);
    for (const flag of spec.flags) {
      if (flag.long === '--help' && spec.path.length > 0) continue;
      const parts = [`complete -c ${name}`];
      // The program's flags are taken anywhere on the line, so they complete everywhere; --version
      // only before the command, where it is read.
      if (flag.long === '--version' && spec.path.length === 0) parts.push(`-n ${when}`);
      if (spec.path.length > 0)
        parts.push(`-n ${fishQuote(spec.path.map((w) => `__fish_seen_subcommand_from ${w}`).join('; and '))}`);
      if (flag.short !== undefined) parts.push(`-s ${flag.short.slice(1)}`);
      if (flag.long !== undefined) parts.push(`-l ${flag.long.slice(2)}`);
      if (flag.choices.length > 0) parts.push(`-x -a ${fishQuote(flag.choices.join(' '))}`);
      else if (flag.file) parts.push('-r -F');
      else if (flag.context) parts.push(`-x -a ${fishQuote('(kubectl config get-contexts -o name 2>/dev/null)')}`);
      else if (flag.takesValue) parts.push('-x');
      parts.push(`-d ${fishQuote(shortDescription(flag.description))}`);
      lines.push(parts.join(' '));
    }
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(
  shell: Shell,
  program: Command,
  argumentWords: Readonly<Record<string, readonly string[]>> = {},
): string {
  const specs = commandSpecs(program, argumentWords);
  switch (shell) {
    case 'bash':
      return bashScript(program, specs);
    case 'zsh':
      return zshScript(program, specs);
    case 'fish':
      return fishScript(program, specs);
  }
}

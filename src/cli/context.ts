// What every command gets: the global flags, parsed, and where to write. Imports nothing heavy:
// `meshctl --help` loads it (main.ts, the declarations).

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface GlobalOptions {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly outputFormat: OutputFormat;
  readonly verbose: boolean;
}

function optionalText(options: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = options[key];
  if (value === undefined || typeof value === 'string') return value;
  throw new Error(`global option ${key}: expected text, got ${typeof value}`);
}

/** The global flags as commander parsed them (`program.opts()`), checked. */
export const GlobalOptions = {
  parse(options: Readonly<Record<string, unknown>>): GlobalOptions {
    const outputFormat = OUTPUT_FORMATS.find((format) => format === options.outputFormat);
    if (outputFormat === undefined)
      throw new Error(`global option outputFormat: expected one of ${OUTPUT_FORMATS.join(', ')}`);
    if (typeof options.verbose !== 'boolean') throw new Error('global option verbose: expected true or false');
    const kubeconfig = optionalText(options, 'kubeconfig');
    const context = optionalText(options, 'context');
    return {
      ...(kubeconfig === undefined ? {} : { kubeconfig }),
      ...(context === undefined ? {} : { context }),
      outputFormat,
      verbose: options.verbose,
    };
  },
};

export interface CommandIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal that takes colour (never in tests or pipes; NO_COLOR turns it off). */
  readonly colour?: boolean;
}

/**
 * A failure the user can fix: printed as one line, exit code 1 (2 is for usage errors). An empty
 * message prints nothing: a command whose exit code is its answer (`meshctl diff`: 1 = changes).
 */
export class CommandError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CommandError';
    this.exitCode = exitCode;
  }
}

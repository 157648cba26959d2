// What every command gets: the global flags, parsed, and where to write.
import { z } from 'zod';
import { OutputFormat } from './output.ts';

export const GlobalOptions = z.object({
  kubeconfig: z.string().optional(),
  context: z.string().optional(),
  outputFormat: OutputFormat,
  verbose: z.boolean(),
});
export type GlobalOptions = z.infer<typeof GlobalOptions>;

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

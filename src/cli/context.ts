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
}

/** A failure the user can fix: printed as one line, exit code 1 (2 is for usage errors). */
export class CommandError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CommandError';
    this.exitCode = exitCode;
  }
}

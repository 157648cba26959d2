// Progress of a long wait, on stderr: on a terminal a spinner with the step (redrawn in place, then
// left as one ✓ or ✗ line); piped, one plain line per step and per change of its detail, so logs
// stay readable and stdout keeps only the result.
import type { CommandIO } from './context.ts';

export interface Progress {
  /**
   * Runs one step: shows `text` until `work` settles. `work` may report a changing detail
   * (e.g. "0 of 1 replicas available"), shown after the text.
   */
  step<T>(text: string, work: (detail: (text: string) => void) => Promise<T>): Promise<T>;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR_LINE = '\r\u001b[2K';

export interface ProgressOptions {
  /** A terminal: a spinner redrawn in place; else plain lines. */
  readonly tty: boolean;
  readonly frameMs?: number;
}

export function createProgress(write: (text: string) => void, options: ProgressOptions): Progress {
  if (!options.tty) {
    return {
      async step(text, work) {
        write(`${text} …\n`);
        let last = '';
        return work((detail) => {
          if (detail === last) return;
          last = detail;
          write(`  ${detail}\n`);
        });
      },
    };
  }
  const frameMs = options.frameMs ?? 100;
  return {
    async step(text, work) {
      let frame = 0;
      let detail = '';
      const line = () => `${text}${detail === '' ? '' : ` (${detail})`}`;
      const draw = () => {
        write(`${CLEAR_LINE}${FRAMES[frame % FRAMES.length] ?? ''} ${line()}`);
        frame += 1;
      };
      draw();
      const timer = setInterval(draw, frameMs);
      try {
        const result = await work((next) => {
          detail = next;
        });
        clearInterval(timer);
        write(`${CLEAR_LINE}✓ ${text}\n`);
        return result;
      } catch (error) {
        clearInterval(timer);
        write(`${CLEAR_LINE}✗ ${line()}\n`);
        throw error;
      }
    },
  };
}

/** Progress on the command's stderr: a spinner when the process's stderr is a terminal. */
export function progressOn(io: CommandIO): Progress {
  const tty = process.stderr.isTTY && process.env.TERM !== 'dumb';
  return createProgress(io.stderr, { tty });
}

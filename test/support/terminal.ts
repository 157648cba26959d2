// A real pseudo-terminal for driving interactive commands: a tmux session on a private tmux server
// (its own socket, so nothing else's sessions are touched), read with capture-pane and answered
// with send-keys, as a user at a 200x50 terminal would.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

const TMUX = '/usr/bin/tmux';

export class Terminal {
  readonly #socket: string;
  #closed = false;

  private constructor(socket: string) {
    this.#socket = socket;
  }

  /** Starts `command` (argv) in a new session; the pane stays after it exits, showing `[exit N]`. */
  static start(command: readonly string[], env: Readonly<Record<string, string>> = {}): Terminal {
    const socket = `meshhub-test-${String(process.pid)}-${randomBytes(3).toString('hex')}`;
    const quoted = command.map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
    const exports = Object.entries({ LANG: 'C.UTF-8', ...env })
      .map(([k, v]) => `${k}='${v.replaceAll("'", "'\\''")}'`)
      .join(' ');
    const script = `env ${exports} ${quoted}; echo "[exit $?]"; sleep 3600`;
    execFileSync(TMUX, [
      '-L',
      socket,
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-x',
      '200',
      '-y',
      '50',
      'sh',
      '-c',
      script,
    ]);
    execFileSync(TMUX, ['-L', socket, 'set-option', '-g', 'history-limit', '5000']);
    return new Terminal(socket);
  }

  /** Everything the terminal shows, scrollback included, lines joined where they wrapped. */
  screen(): string {
    return execFileSync(TMUX, ['-L', this.#socket, 'capture-pane', '-p', '-J', '-S', '-', '-t', '0'], {
      encoding: 'utf8',
    });
  }

  /** Waits until the screen matches (after `since` characters of it, to skip earlier prompts). */
  async waitFor(pattern: RegExp, timeoutMs = 60_000, since = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < deadline) {
      screen = this.screen();
      if (pattern.test(screen.slice(since))) return screen;
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`the terminal never showed ${String(pattern)}; it shows:\n${screen}`);
  }

  /** Keys by tmux name (`Enter`, `Down`, `Space`, `C-u`). */
  keys(...keys: string[]): void {
    execFileSync(TMUX, ['-L', this.#socket, 'send-keys', '-t', '0', ...keys]);
  }

  /** Text typed literally. */
  type(text: string): void {
    execFileSync(TMUX, ['-L', this.#socket, 'send-keys', '-t', '0', '-l', text]);
  }

  /** Waits for a prompt, types the answer and presses Enter; returns the screen length before it. */
  async answer(prompt: RegExp, text: string): Promise<number> {
    const screen = await this.waitFor(prompt);
    if (text !== '') this.type(text);
    this.keys('Enter');
    return screen.length;
  }

  /**
   * In a list prompt (select or checkbox) showing `prompt`: moves the cursor to each choice whose
   * line contains one of `choices` and, for a checkbox, ticks it with Space; then Enter.
   */
  async choose(prompt: RegExp, choices: readonly string[], checkbox: boolean): Promise<void> {
    await this.waitFor(prompt);
    for (const choice of choices) {
      let found = false;
      for (let step = 0; step < 200 && !found; step++) {
        const lines = this.screen().trimEnd().split('\n');
        // The cursor line of the last prompt on screen, marked with ❯ (or > without Unicode).
        const cursor = lines.findLast((line) => /^\s*[❯>]/.test(line)) ?? '';
        if (cursor.includes(choice) && new RegExp(`(^|[\\s◯◉●○❯>])${escape(choice)}(\\s|$)`).test(cursor)) {
          found = true;
          if (checkbox) this.keys('Space');
          await new Promise((r) => setTimeout(r, 100));
        } else {
          this.keys('Down');
          await new Promise((r) => setTimeout(r, 60));
        }
      }
      if (!found) throw new Error(`no choice ${choice} under ${String(prompt)}:\n${this.screen()}`);
    }
    this.keys('Enter');
  }

  /** The command's exit code, once it has exited. */
  async exitCode(timeoutMs = 120_000): Promise<number> {
    const screen = await this.waitFor(/\[exit \d+\]/, timeoutMs);
    return Number(/\[exit (\d+)\]/.exec(screen)?.[1]);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      execFileSync(TMUX, ['-L', this.#socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

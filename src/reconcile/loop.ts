// The one reconcile-loop helper of every long-running loop (STYLE.md): changes mark the loop dirty,
// a pass starts after a short debounce, at most one pass runs at a time (changes meanwhile cause one
// more pass), a thrown pass is retried after an exponential back-off with jitter (a bug or a
// persistently bad input must not spin the CPU), a pass that overruns its deadline is abandoned, and
// stop() finishes or abandons the running pass. Abandoning aborts the pass's signal: a pass checks
// it before each write, so an abandoned pass stops writing although its in-flight requests finish.

export interface LoopOptions {
  /** Quiet time after the first change before a pass starts (changes meanwhile join that pass). */
  readonly debounceMs: number;
  /** One pass; `signal` is aborted when the pass is abandoned (deadline, stop). */
  readonly run: (signal: AbortSignal) => Promise<void>;
  /** Whether a pass may start now; when false the loop stays dirty until the next markDirty(). */
  readonly canRun?: () => boolean;
  /** A pass still running after this long is abandoned and counts as failed. */
  readonly deadlineMs?: number;
  /** First retry delay after a failed pass; doubles per consecutive failure up to maxBackoffMs. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** A failed (thrown or overrun) pass, and when the loop will try again. */
  readonly onError?: (error: unknown, retryInMs: number) => void;
  /** Source of randomness for the jitter (tests make it deterministic). */
  readonly random?: () => number;
}

export type StopOutcome = 'idle' | 'finished' | 'abandoned';

export class PassDeadlineError extends Error {
  constructor(deadlineMs: number) {
    super(`the pass did not finish within ${String(deadlineMs / 1000)} s and was abandoned`);
    this.name = 'PassDeadlineError';
  }
}

const DEFAULT_INITIAL_BACKOFF_MS = 200;
const DEFAULT_MAX_BACKOFF_MS = 60_000;

/**
 * The delay before retry number `failures` (1-based): exponential, capped, with "equal jitter" (half
 * fixed, half random) so a fleet of replicas or clusters does not retry in lockstep, and the delay
 * never collapses towards zero.
 */
export function backoffDelay(failures: number, initialMs: number, maxMs: number, random: () => number): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const ceiling = Math.min(maxMs, initialMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export class ReconcileLoop {
  readonly #options: LoopOptions;
  #dirty = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  /** Earliest time (ms since epoch) the next pass may start: set by back-off. */
  #notBefore = 0;
  #failures = 0;
  #running: { readonly done: Promise<void>; readonly controller: AbortController } | undefined;

  constructor(options: LoopOptions) {
    this.#options = options;
  }

  /**
   * Something changed: a pass follows (after the debounce, or after the current pass / back-off).
   * `delayMs` replaces the debounce (0: a wait that ended, nothing to gather) for this change.
   */
  markDirty(delayMs = this.#options.debounceMs): void {
    if (this.#stopped) return;
    this.#dirty = true;
    this.#schedule(delayMs);
  }

  /** Marks dirty after `ms` (a retry of a partly failed pass, a wait nothing else reports). */
  markDirtyAfter(ms: number): void {
    if (this.#stopped) return;
    setTimeout(() => {
      this.markDirty();
    }, ms).unref();
  }

  /** A pass is running now. */
  busy(): boolean {
    return this.#running !== undefined;
  }

  dirty(): boolean {
    return this.#dirty;
  }

  /** Consecutive failed passes (0 after a pass that finished). */
  failures(): number {
    return this.#failures;
  }

  /**
   * Stops the loop: no pass starts any more; a running pass may finish within `graceMs`, after that
   * its signal is aborted and it is abandoned.
   */
  async stop(graceMs = 0): Promise<StopOutcome> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const running = this.#running;
    if (running === undefined) return 'idle';
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      running.done.then(() => 'finished' as const),
      new Promise<'abandoned'>((resolve) => {
        timer = setTimeout(() => {
          resolve('abandoned');
        }, graceMs);
      }),
    ]);
    if (timer !== undefined) clearTimeout(timer);
    if (outcome === 'abandoned') running.controller.abort(new Error('the loop is stopping'));
    return outcome;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped || this.#timer !== undefined || this.#running !== undefined) return;
    const wait = Math.max(delayMs, this.#notBefore - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#start();
    }, wait);
    this.#timer.unref();
  }

  #start(): void {
    if (this.#stopped || this.#running !== undefined || !this.#dirty) return;
    if (this.#options.canRun !== undefined && !this.#options.canRun()) return;
    this.#dirty = false;
    const controller = new AbortController();
    let deadlineTimer: NodeJS.Timeout | undefined;
    const deadlineMs = this.#options.deadlineMs;
    const pass = this.#options.run(controller.signal);
    const overrun =
      deadlineMs === undefined
        ? undefined
        : new Promise<never>((_resolve, reject) => {
            deadlineTimer = setTimeout(() => {
              const error = new PassDeadlineError(deadlineMs);
              controller.abort(error);
              reject(error);
            }, deadlineMs);
            deadlineTimer.unref();
          });
    // An abandoned pass may still reject later: that is no longer anyone's concern.
    pass.catch(() => undefined);
    const done = (overrun === undefined ? pass : Promise.race([pass, overrun])).then(
      () => {
        this.#failures = 0;
        this.#notBefore = 0;
      },
      (error: unknown) => {
        this.#failures++;
        const delay = backoffDelay(
          this.#failures,
          this.#options.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS,
          this.#options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS,
          this.#options.random ?? Math.random,
        );
        this.#notBefore = Date.now() + delay;
        // The failed pass's work is still to be done.
        this.#dirty = true;
        this.#options.onError?.(error, delay);
      },
    );
    this.#running = { done, controller };
    void done.finally(() => {
      if (deadlineTimer !== undefined) clearTimeout(deadlineTimer);
      this.#running = undefined;
      if (this.#dirty) this.#schedule(this.#options.debounceMs);
    });
  }
}

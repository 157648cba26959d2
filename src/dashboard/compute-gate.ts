// One estate computation at a time per dashboard server: a diff or an explain renders the whole
// estate with the pure core (CPU-bound, on the server's only thread), so a second request waits a
// short while for its turn and, past that or when too many already wait, is refused as busy.

export class GateBusy extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GateBusy';
  }
}

export interface ComputeGateOptions {
  /** How many requests may wait for their turn. */
  readonly maxWaiting?: number;
  /** How long one waits at most before it is refused. */
  readonly maxWaitMs?: number;
}

export class ComputeGate {
  readonly #maxWaiting: number;
  readonly #maxWaitMs: number;
  #running = false;
  readonly #waiting: (() => void)[] = [];

  constructor(options: ComputeGateOptions = {}) {
    this.#maxWaiting = options.maxWaiting ?? 2;
    this.#maxWaitMs = options.maxWaitMs ?? 5000;
  }

  /** Runs `work` when no other work runs; throws GateBusy when it cannot get its turn soon. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running) await this.#wait();
    this.#running = true;
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) this.#running = false;
      else next(); // the turn passes straight on: #running stays true
    }
  }

  #wait(): Promise<void> {
    if (this.#waiting.length >= this.#maxWaiting) {
      return Promise.reject(new GateBusy('another diff or explain is being computed; try again in a few seconds'));
    }
    return new Promise<void>((resolve, reject) => {
      const turn = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const at = this.#waiting.indexOf(turn);
        if (at !== -1) this.#waiting.splice(at, 1);
        reject(new GateBusy('the diff or explain before this one is still being computed; try again in a few seconds'));
      }, this.#maxWaitMs);
      this.#waiting.push(turn);
    });
  }
}

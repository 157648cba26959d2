import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, PassDeadlineError, ReconcileLoop } from './loop.ts';

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

async function until(what: string, condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

describe('backoffDelay', () => {
  it('doubles per failure, caps, and keeps at least half of the ceiling', () => {
    assert.equal(
      backoffDelay(1, 100, 10_000, () => 0),
      50,
    );
    assert.equal(
      backoffDelay(1, 100, 10_000, () => 1),
      100,
    );
    assert.equal(
      backoffDelay(4, 100, 10_000, () => 1),
      800,
    );
    assert.equal(
      backoffDelay(40, 100, 10_000, () => 1),
      10_000,
    );
    assert.equal(
      backoffDelay(40, 100, 10_000, () => 0),
      5000,
    );
  });
});

describe('ReconcileLoop', () => {
  it('debounces changes into one pass', async () => {
    let passes = 0;
    const loop = new ReconcileLoop({
      debounceMs: 20,
      run: () => {
        passes++;
        return Promise.resolve();
      },
    });
    for (let i = 0; i < 10; i++) loop.markDirty();
    await sleep(60);
    assert.equal(passes, 1);
    await loop.stop();
  });

  it('runs at once for a change marked with no delay (a wait that ended), still one pass at a time', async () => {
    let passes = 0;
    const loop = new ReconcileLoop({
      debounceMs: 10_000,
      run: () => {
        passes++;
        return Promise.resolve();
      },
    });
    loop.markDirty(0);
    loop.markDirty(0);
    await until('the pass', () => passes === 1, 500);
    await sleep(30);
    assert.equal(passes, 1);
    // A debounced change is not hurried by the immediate one before it.
    loop.markDirty();
    await sleep(30);
    assert.equal(passes, 1);
    await loop.stop();
  });

  it('runs one pass at a time and one more pass for changes during a pass', async () => {
    let running = 0;
    let maxRunning = 0;
    let passes = 0;
    let release: (() => void) | undefined;
    const loop = new ReconcileLoop({
      debounceMs: 1,
      run: async () => {
        running++;
        passes++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        running--;
      },
    });
    loop.markDirty();
    await until('first pass', () => passes === 1);
    loop.markDirty();
    loop.markDirty();
    await sleep(20);
    assert.equal(passes, 1, 'no second pass while the first runs');
    release?.();
    await until('second pass', () => passes === 2);
    release?.();
    await sleep(20);
    assert.equal(passes, 2, 'the changes during the first pass caused exactly one more');
    assert.equal(maxRunning, 1);
    await loop.stop();
  });

  it('retries a throwing pass with exponential back-off, not in a tight loop', async () => {
    const starts: number[] = [];
    const errors: number[] = [];
    const loop = new ReconcileLoop({
      debounceMs: 1,
      initialBackoffMs: 40,
      maxBackoffMs: 1000,
      random: () => 1,
      run: () => {
        starts.push(Date.now());
        return Promise.reject(new Error('bad input'));
      },
      onError: (_error, retryInMs) => errors.push(retryInMs),
    });
    loop.markDirty();
    await sleep(400);
    await loop.stop();
    // 40, 80, 160 ms: at most 4 passes in 400 ms (a 50 ms retry would make 8).
    assert.ok(starts.length >= 3 && starts.length <= 4, `passes: ${String(starts.length)}`);
    assert.deepEqual(errors.slice(0, 3), [40, 80, 160]);
    for (let i = 1; i < starts.length; i++) {
      const gap = (starts[i] ?? 0) - (starts[i - 1] ?? 0);
      assert.ok(gap >= (errors[i - 1] ?? 0) - 5, `gap ${String(gap)} after a failure`);
    }
  });

  it('resets the back-off after a pass that succeeds', async () => {
    let passes = 0;
    const loop = new ReconcileLoop({
      debounceMs: 1,
      initialBackoffMs: 10,
      random: () => 1,
      run: () => {
        passes++;
        return passes <= 2 ? Promise.reject(new Error('transient')) : Promise.resolve();
      },
    });
    loop.markDirty();
    await until('third pass', () => passes === 3);
    await sleep(5);
    assert.equal(loop.failures(), 0);
    loop.markDirty();
    const before = Date.now();
    await until('fourth pass', () => passes === 4);
    assert.ok(Date.now() - before < 30, 'no back-off after success');
    await loop.stop();
  });

  it('waits while canRun() is false and runs on the next change once it is true', async () => {
    let ready = false;
    let passes = 0;
    const loop = new ReconcileLoop({
      debounceMs: 1,
      canRun: () => ready,
      run: () => {
        passes++;
        return Promise.resolve();
      },
    });
    loop.markDirty();
    await sleep(20);
    assert.equal(passes, 0);
    ready = true;
    loop.markDirty();
    await until('pass', () => passes === 1);
    await loop.stop();
  });

  it('abandons a pass that overruns its deadline: aborted signal, back-off, the loop runs again', async () => {
    const signals: AbortSignal[] = [];
    const errors: unknown[] = [];
    const loop = new ReconcileLoop({
      debounceMs: 1,
      deadlineMs: 30,
      initialBackoffMs: 10,
      random: () => 0,
      run: (signal) => {
        signals.push(signal);
        // A black-holed API server: never answers.
        return new Promise<void>(() => undefined);
      },
      onError: (error) => errors.push(error),
    });
    loop.markDirty();
    await until('a second pass after the first overran', () => signals.length === 2, 1000);
    assert.equal(signals[0]?.aborted, true);
    assert.ok(errors[0] instanceof PassDeadlineError);
    assert.equal(await loop.stop(0), 'abandoned');
    assert.equal(signals[1]?.aborted, true);
  });

  it('stop() lets a running pass finish within the grace period', async () => {
    let signal: AbortSignal | undefined;
    const loop = new ReconcileLoop({
      debounceMs: 1,
      run: async (s) => {
        signal = s;
        await sleep(30);
      },
    });
    loop.markDirty();
    await until('pass', () => signal !== undefined);
    assert.equal(await loop.stop(1000), 'finished');
    assert.equal(signal?.aborted, false);
    assert.equal(await loop.stop(), 'idle');
  });

  it('stop() abandons a pass that outlasts the grace period and starts nothing after', async () => {
    let passes = 0;
    let signal: AbortSignal | undefined;
    const loop = new ReconcileLoop({
      debounceMs: 1,
      run: async (s) => {
        passes++;
        signal = s;
        await sleep(200);
      },
    });
    loop.markDirty();
    await until('pass', () => signal !== undefined);
    loop.markDirty();
    const started = Date.now();
    assert.equal(await loop.stop(20), 'abandoned');
    assert.ok(Date.now() - started < 150);
    assert.equal(signal?.aborted, true);
    await sleep(250);
    assert.equal(passes, 1);
  });
});

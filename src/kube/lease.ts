// Leader election on a coordination.k8s.io Lease: one replica reconciles, the others stand by with
// warm caches and take over when the holder stops renewing. Writes use the Lease's resourceVersion,
// so two replicas can never both believe they won the same round.
//
// Time is judged by each replica's own monotonic clock, never by the timestamps in the Lease (another
// replica's clock may be skewed): a standby counts a Lease expired once it has seen no new renewal
// (no new resourceVersion) for a whole lease duration *of its own time*; a holder stops leading
// when it has not renewed within the renew deadline, which is shorter than the lease duration, so it
// stops writing before any standby can take over. `stillLeading()` is that check, made before
// every write.
import { KubeApiError, type KubeClient } from './client.ts';
import { LEASE, resourcePath } from './resources.ts';

export interface LeaseClock {
  /** Monotonic milliseconds (immune to wall-clock jumps). */
  readonly monotonicMs: () => number;
  /** Wall-clock time, only for the informational MicroTime fields of the Lease. */
  readonly wall: () => Date;
}

export interface LeaseOptions {
  readonly name: string;
  readonly namespace: string;
  readonly identity: string;
  readonly leaseDurationSeconds: number;
  /** A holder that has not renewed for this long stops leading; below leaseDurationSeconds (default 2/3). */
  readonly renewDeadlineSeconds?: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
  readonly log: (message: string, fields?: Record<string, unknown>) => void;
  readonly clock?: LeaseClock;
}

interface LeaseObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** What a replica last saw of the Lease, and when by its own clock. */
export interface ObservedLease {
  readonly holder: string;
  readonly resourceVersion: string;
  /** Monotonic ms at which this replica first saw this holder and resourceVersion. */
  readonly seenAtMs: number;
}

/** Pure: the observation after reading the Lease at `nowMs` (unchanged Lease → same first-seen time). */
export function observeLease(
  previous: ObservedLease | undefined,
  holder: string,
  resourceVersion: string,
  nowMs: number,
): ObservedLease {
  if (previous?.holder === holder && previous.resourceVersion === resourceVersion) return previous;
  return { holder, resourceVersion, seenAtMs: nowMs };
}

/**
 * Pure: whether another holder's Lease may be taken over at `nowMs`: it is released (no holder), or
 * this replica has seen it unchanged for a whole lease duration. The holder's renewTime is ignored:
 * its clock may be anywhere.
 */
export function leaseExpired(observed: ObservedLease, leaseDurationMs: number, nowMs: number): boolean {
  return observed.holder === '' || nowMs - observed.seenAtMs >= leaseDurationMs;
}

/** Pure: a holder leads until the renew deadline has passed since the last successful renewal started. */
export function withinRenewDeadline(lastRenewStartMs: number | undefined, renewDeadlineMs: number, nowMs: number) {
  return lastRenewStartMs !== undefined && nowMs - lastRenewStartMs < renewDeadlineMs;
}

/** The renew deadline for a lease duration: the option, else two thirds of the lease; always below it. */
export function renewDeadlineMs(leaseDurationSeconds: number, renewDeadlineSeconds?: number): number {
  const leaseMs = leaseDurationSeconds * 1000;
  const wanted = renewDeadlineSeconds === undefined ? (leaseMs * 2) / 3 : renewDeadlineSeconds * 1000;
  if (!(wanted > 0 && wanted < leaseMs))
    throw new Error(
      `the renew deadline (${String(wanted / 1000)} s) must be above 0 and below the lease duration (${String(leaseDurationSeconds)} s)`,
    );
  return wanted;
}

/** RFC 3339 with microseconds, as the MicroTime fields of a Lease require. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const SYSTEM_CLOCK: LeaseClock = { monotonicMs: () => performance.now(), wall: () => new Date() };

export class LeaderElector {
  readonly #client: KubeClient;
  readonly #options: LeaseOptions;
  readonly #clock: LeaseClock;
  readonly #renewDeadlineMs: number;
  #leading = false;
  #timer: NodeJS.Timeout | undefined;
  #deadlineTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Monotonic ms at which the last successful acquire/renew request was sent. */
  #lastRenewStart: number | undefined;
  #observed: ObservedLease | undefined;

  constructor(client: KubeClient, options: LeaseOptions) {
    this.#client = client;
    this.#options = options;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#renewDeadlineMs = renewDeadlineMs(options.leaseDurationSeconds, options.renewDeadlineSeconds);
  }

  get leading(): boolean {
    return this.stillLeading();
  }

  /**
   * Whether this replica may write now: it holds the Lease and renewed it within the renew deadline.
   * Checked before every write; it turns false on its own when renewals stop succeeding.
   */
  stillLeading(): boolean {
    if (!this.#leading) return false;
    if (withinRenewDeadline(this.#lastRenewStart, this.#renewDeadlineMs, this.#clock.monotonicMs())) return true;
    this.#setLeading(false);
    return false;
  }

  start(): void {
    this.#stopped = false;
    void this.#tick();
  }

  /** Stops competing; a holder releases the Lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#deadlineTimer !== undefined) clearTimeout(this.#deadlineTimer);
    if (this.#leading) {
      this.#setLeading(false);
      try {
        const lease = await this.#read();
        if (lease?.spec.holderIdentity === this.#options.identity) {
          lease.spec.holderIdentity = '';
          lease.spec.leaseDurationSeconds = 1;
          await this.#write(lease, 'PUT');
        }
      } catch {
        // Releasing is a courtesy; the Lease expires anyway.
      }
    }
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#tryAcquireOrRenew();
    } catch (error) {
      this.#options.log('lease: could not renew', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
    // Turns leadership off when the renew deadline has passed without a renewal.
    this.stillLeading();
    if (this.#isStopped()) return;
    // Several attempts fit in the renew deadline, so one failed request does not cost the Lease.
    const interval = this.#renewDeadlineMs / 4;
    this.#timer = setTimeout(() => void this.#tick(), interval);
  }

  /** Read through a method: `stop()` may have run while this replica awaited the API server. */
  #isStopped(): boolean {
    return this.#stopped;
  }

  async #read(): Promise<LeaseObject | undefined> {
    return (await this.#client.get(LEASE, this.#options.name, this.#options.namespace)) as LeaseObject | undefined;
  }

  async #write(lease: LeaseObject, method: 'POST' | 'PUT'): Promise<void> {
    const path =
      method === 'POST'
        ? resourcePath(LEASE, this.#options.namespace)
        : resourcePath(LEASE, this.#options.namespace, this.#options.name);
    await this.#client.request(method, path, lease);
  }

  async #tryAcquireOrRenew(): Promise<void> {
    const { identity, leaseDurationSeconds, name, namespace } = this.#options;
    const current = await this.#read();
    const now = this.#clock.monotonicMs();
    const wall = microTime(this.#clock.wall());
    if (current === undefined) {
      await this.#attempt(
        {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds,
            acquireTime: wall,
            renewTime: wall,
            leaseTransitions: 0,
          },
        },
        'POST',
      );
      return;
    }
    const holder = current.spec.holderIdentity ?? '';
    this.#observed = observeLease(this.#observed, holder, current.metadata.resourceVersion ?? '', now);
    // A Lease naming this identity that this process never acquired is judged like any other holder's.
    if (holder === identity && this.#lastRenewStart !== undefined) {
      current.spec.renewTime = wall;
      current.spec.leaseDurationSeconds = leaseDurationSeconds;
      await this.#attempt(current, 'PUT');
      return;
    }
    // The Lease's own duration, not ours: the holder promised to stop within it.
    const duration = Math.max(current.spec.leaseDurationSeconds ?? leaseDurationSeconds, 1) * 1000;
    if (!leaseExpired(this.#observed, duration, now)) {
      if (this.#leading) this.#setLeading(false);
      return;
    }
    current.spec = {
      holderIdentity: identity,
      leaseDurationSeconds,
      acquireTime: wall,
      renewTime: wall,
      leaseTransitions: (current.spec.leaseTransitions ?? 0) + 1,
    };
    await this.#attempt(current, 'PUT');
  }

  async #attempt(lease: LeaseObject, method: 'POST' | 'PUT'): Promise<void> {
    // Measured before the request: the API server may have recorded the write at any moment after.
    const started = this.#clock.monotonicMs();
    try {
      await this.#write(lease, method);
    } catch (error) {
      // Another replica wrote first: it holds the Lease this round.
      if (error instanceof KubeApiError && (error.status === 409 || error.status === 422)) {
        if (this.#leading) this.#setLeading(false);
        return;
      }
      throw error;
    }
    if (this.#stopped) return;
    this.#lastRenewStart = started;
    // A renewal that took longer than the deadline does not make this replica the leader again.
    if (!withinRenewDeadline(started, this.#renewDeadlineMs, this.#clock.monotonicMs())) return;
    this.#armDeadline();
    if (!this.#leading) this.#setLeading(true);
  }

  /** Stops leading promptly at the renew deadline, even between ticks. */
  #armDeadline(): void {
    if (this.#deadlineTimer !== undefined) clearTimeout(this.#deadlineTimer);
    const remaining = (this.#lastRenewStart ?? 0) + this.#renewDeadlineMs - this.#clock.monotonicMs();
    this.#deadlineTimer = setTimeout(
      () => {
        this.#deadlineTimer = undefined;
        this.stillLeading();
      },
      Math.max(remaining, 0) + 1,
    );
    this.#deadlineTimer.unref();
  }

  #setLeading(leading: boolean): void {
    if (this.#leading === leading) return;
    this.#leading = leading;
    this.#options.log(leading ? 'lease: acquired, reconciling' : 'lease: lost, standing by', {
      lease: `${this.#options.namespace}/${this.#options.name}`,
    });
    if (leading) this.#options.onStartedLeading();
    else this.#options.onStoppedLeading();
  }
}

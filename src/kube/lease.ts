// Leader election on a coordination.k8s.io Lease: one replica reconciles, the others stand by with
// warm caches and take over when the holder stops renewing. Writes use the Lease's resourceVersion,
// so two replicas can never both believe they won the same round.
import { KubeApiError, type KubeClient } from './client.ts';
import { LEASE, resourcePath } from './resources.ts';

export interface LeaseOptions {
  readonly name: string;
  readonly namespace: string;
  readonly identity: string;
  readonly leaseDurationSeconds: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
  readonly log: (message: string, fields?: Record<string, unknown>) => void;
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

/** RFC 3339 with microseconds, as the MicroTime fields of a Lease require. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  readonly #client: KubeClient;
  readonly #options: LeaseOptions;
  #leading = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #lastRenew = 0;

  constructor(client: KubeClient, options: LeaseOptions) {
    this.#client = client;
    this.#options = options;
  }

  get leading(): boolean {
    return this.#leading;
  }

  start(): void {
    this.#stopped = false;
    void this.#tick();
  }

  /** Stops competing; a holder releases the Lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
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
    // A holder that cannot renew for a whole lease duration must assume another replica took over.
    if (this.#leading && Date.now() - this.#lastRenew > this.#options.leaseDurationSeconds * 1000) {
      this.#setLeading(false);
    }
    if (this.#isStopped()) return;
    const interval = (this.#options.leaseDurationSeconds * 1000) / 3;
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
    const now = new Date();
    const { identity, leaseDurationSeconds, name, namespace } = this.#options;
    const current = await this.#read();
    if (current === undefined) {
      await this.#attempt(
        {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        },
        'POST',
      );
      return;
    }
    const holder = current.spec.holderIdentity ?? '';
    if (holder === identity) {
      current.spec.renewTime = microTime(now);
      current.spec.leaseDurationSeconds = leaseDurationSeconds;
      await this.#attempt(current, 'PUT');
      return;
    }
    const renewed = Date.parse(current.spec.renewTime ?? '') || 0;
    const duration = (current.spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (holder !== '' && renewed + duration > now.getTime()) {
      if (this.#leading) this.#setLeading(false);
      return;
    }
    current.spec = {
      holderIdentity: identity,
      leaseDurationSeconds,
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (current.spec.leaseTransitions ?? 0) + 1,
    };
    await this.#attempt(current, 'PUT');
  }

  async #attempt(lease: LeaseObject, method: 'POST' | 'PUT'): Promise<void> {
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
    this.#lastRenew = Date.now();
    if (!this.#leading) this.#setLeading(true);
  }

  #setLeading(leading: boolean): void {
    this.#leading = leading;
    this.#options.log(leading ? 'lease: acquired, reconciling' : 'lease: lost, standing by', {
      lease: `${this.#options.namespace}/${this.#options.name}`,
    });
    if (leading) this.#options.onStartedLeading();
    else this.#options.onStoppedLeading();
  }
}

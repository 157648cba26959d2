// Read-your-writes over a watch cache. The agent decides from its cache, and the cache can lag the
// agent's own writes: right after a request it may show the new status REQUESTED beside the old
// CertificateRequest (or none), and stepping again on that would request a second time. So after
// acting for a key, the agent remembers the resourceVersions its writes returned and does not
// step that key again until the cache shows those objects at those versions or later — or until a
// short deadline passes (an object deleted meanwhile never shows up).
import type { KubeObject } from '../api/meta.ts';

/** One object as a write returned it. */
export interface WrittenObject {
  /** Group and kind (`/Secret`, `certificates.mesh.gloo.solo.io/CertificateRequest`). */
  readonly groupKind: string;
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion: string;
}

/** The identity and version of an object a write returned; undefined if it has no resourceVersion. */
export function writtenObject(object: KubeObject): WrittenObject | undefined {
  const resourceVersion = object.metadata.resourceVersion;
  if (resourceVersion === undefined || resourceVersion === '') return undefined;
  return {
    groupKind: groupKind(object.apiVersion, object.kind),
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name,
    resourceVersion,
  };
}

/** `group/Kind` of an apiVersion and kind (the version does not matter for identity). */
export function groupKind(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  return `${slash === -1 ? '' : apiVersion.slice(0, slash)}/${kind}`;
}

/** How long a key waits for the cache at most; then the cache is trusted again. */
export const CATCH_UP_TIMEOUT_MS = 5000;

/**
 * Whether `seen` is `wanted` or later. resourceVersions are etcd revisions: decimal integers that
 * Kubernetes allows comparing (KEP-5504). Anything else is compared for equality only.
 */
export function versionAtLeast(seen: string | undefined, wanted: string): boolean {
  if (seen === undefined) return false;
  if (seen === wanted) return true;
  if (!/^\d+$/.test(seen) || !/^\d+$/.test(wanted)) return false;
  return BigInt(seen) >= BigInt(wanted);
}

/** The resourceVersion the cache holds for an object, undefined when it holds none. */
export type CachedVersion = (written: WrittenObject) => string | undefined;

export type CatchUp =
  | { readonly kind: 'caught-up' }
  /** Still behind; look again at the latest at `deadline` (epoch ms). */
  | { readonly kind: 'behind'; readonly deadline: number; readonly missing: readonly string[] };

interface Expectation {
  readonly written: readonly WrittenObject[];
  readonly deadline: number;
}

export class ReadYourWrites {
  readonly #expected = new Map<string, Expectation>();
  readonly #timeoutMs: number;

  constructor(timeoutMs = CATCH_UP_TIMEOUT_MS) {
    this.#timeoutMs = timeoutMs;
  }

  /** Remembers what was written for `key` (replacing what was remembered before). */
  wrote(key: string, written: readonly WrittenObject[], now: number): void {
    if (written.length === 0) this.#expected.delete(key);
    else this.#expected.set(key, { written: [...written], deadline: now + this.#timeoutMs });
  }

  /** Whether the cache shows every object last written for `key`; forgets the key once it does. */
  check(key: string, cachedVersion: CachedVersion, now: number): CatchUp {
    const expected = this.#expected.get(key);
    if (expected === undefined) return { kind: 'caught-up' };
    const missing = expected.written
      .filter((written) => !versionAtLeast(cachedVersion(written), written.resourceVersion))
      .map((written) => `${written.groupKind} ${written.namespace}/${written.name}@${written.resourceVersion}`);
    if (missing.length === 0 || now >= expected.deadline) {
      this.#expected.delete(key);
      return { kind: 'caught-up' };
    }
    return { kind: 'behind', deadline: expected.deadline, missing };
  }

  forget(key: string): void {
    this.#expected.delete(key);
  }

  /** Keys still waiting for the cache. */
  pending(): string[] {
    return [...this.#expected.keys()];
  }
}

// Read-your-writes over a watch cache: after acting on an object, its owner waits until the cache
// shows what it wrote (or a deadline passes) before deciding anything again from the cache.
// Without this an agent could see its own new status next to a CertificateRequest from before,
// and request twice.
import type { KubeObject } from '../api/meta.ts';
import { typeOfObject, type ResourceType } from '../kube/resources.ts';

export interface WrittenRef {
  readonly type: ResourceType;
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion: string;
}

/** How long to wait for the cache at most; then the cache is trusted again. */
export const CATCH_UP_MS = 10_000;

/** Whether `seen` is `wanted` or later. Kubernetes resourceVersions are opaque, but etcd's are integers. */
export function versionAtLeast(seen: string | undefined, wanted: string): boolean {
  if (seen === undefined) return false;
  if (/^\d+$/.test(seen) && /^\d+$/.test(wanted)) return BigInt(seen) >= BigInt(wanted);
  return seen === wanted;
}

export class ReadYourWrites {
  readonly #expected = new Map<string, { readonly refs: readonly WrittenRef[]; readonly until: number }>();

  /** Remember what was written for `key` (objects as the API server returned them). */
  expect(key: string, written: readonly KubeObject[], now: number, timeoutMs = CATCH_UP_MS): void {
    const refs: WrittenRef[] = [];
    for (const object of written) {
      const type = typeOfObject(object.apiVersion, object.kind);
      const resourceVersion = object.metadata.resourceVersion;
      if (type === undefined || resourceVersion === undefined) continue;
      refs.push({ type, namespace: object.metadata.namespace ?? '', name: object.metadata.name, resourceVersion });
    }
    if (refs.length === 0) this.#expected.delete(key);
    else this.#expected.set(key, { refs, until: now + timeoutMs });
  }

  /** True when the cache holds every object last written for `key` at that version or later (or time is up). */
  caughtUp(key: string, objectsOf: (ref: WrittenRef) => readonly KubeObject[], now: number): boolean {
    const expected = this.#expected.get(key);
    if (expected === undefined) return true;
    const done =
      now >= expected.until ||
      expected.refs.every((ref) =>
        objectsOf(ref).some(
          (o) =>
            o.metadata.name === ref.name &&
            (o.metadata.namespace ?? '') === ref.namespace &&
            versionAtLeast(o.metadata.resourceVersion, ref.resourceVersion),
        ),
      );
    if (done) this.#expected.delete(key);
    return done;
  }
}

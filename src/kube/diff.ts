// Whether an object on a cluster already is what Mesh Hub wants it to be. Pure: the apply step
// writes only the objects for which these say no, so a reconcile with no change writes nothing.
import type { KubeObject } from '../api/meta.ts';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural equality of JSON values (key order does not matter; absent equals undefined). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!jsonEqual(a[key], b[key])) return false;
    return true;
  }
  return false;
}

function containsAll(
  wanted: Readonly<Record<string, string>> | undefined,
  actual: Readonly<Record<string, string>> | undefined,
): boolean {
  for (const [key, value] of Object.entries(wanted ?? {})) if (actual?.[key] !== value) return false;
  return true;
}

const NOT_CONTENT = new Set(['apiVersion', 'kind', 'metadata', 'status']);

/**
 * True when `live` differs from `desired` in what Mesh Hub owns: its labels and annotations (others'
 * are left alone), and every top-level content field (`spec`, `data`, …) as a whole — a field
 * Mesh Hub stopped setting must go, so content is compared for equality, not containment.
 */
export function contentDiffers(desired: KubeObject, live: KubeObject | undefined): boolean {
  if (live === undefined) return true;
  if (!containsAll(desired.metadata.labels, live.metadata.labels)) return true;
  if (!containsAll(desired.metadata.annotations, live.metadata.annotations)) return true;
  const record = desired as Record<string, unknown>;
  const liveRecord = live as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (NOT_CONTENT.has(key)) continue;
    if (!jsonEqual(record[key], liveRecord[key])) return true;
  }
  return false;
}

/** True when the status Mesh Hub computed is not the one on the object (status is Mesh Hub's alone). */
export function statusDiffers(desired: KubeObject, live: KubeObject | undefined): boolean {
  const wanted = (desired as { status?: unknown }).status;
  if (wanted === undefined) return false;
  return !jsonEqual(wanted, (live as { status?: unknown } | undefined)?.status);
}

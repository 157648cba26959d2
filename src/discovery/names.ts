// Names of discovered objects (DESIGN.md §1): `<name>-<namespace>-<cluster>`, made a valid DNS-1123
// name; over 63 characters it is cut and given a short stable hash of the full name.
import { createHash } from 'node:crypto';

const MAX = 63;
const HASH_LENGTH = 8;

/** Already a valid name: lowercase alphanumeric words joined by single dashes. */
const CLEAN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function sanitizeName(raw: string): string {
  // Most names need no change: skip the rewriting passes for them.
  if (raw.length <= MAX && CLEAN.test(raw)) return raw;
  const cleaned = raw
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/\.+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (cleaned.length <= MAX) return cleaned;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, HASH_LENGTH);
  const head = cleaned.slice(0, MAX - HASH_LENGTH - 1).replace(/-+$/, '');
  return `${head}-${hash}`;
}

export function discoveredName(name: string, namespace: string, cluster: string, suffix?: string): string {
  return sanitizeName(
    suffix === undefined ? `${name}-${namespace}-${cluster}` : `${name}-${namespace}-${cluster}-${suffix}`,
  );
}

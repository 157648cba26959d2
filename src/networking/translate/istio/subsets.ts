// DestinationRule subsets named after their labels, as Gloo Mesh 1.x named them: `version: v1`
// → `version-v1`; several labels sorted and joined. Made a valid DNS-1123 label (Istio requires it).
import { createHash } from 'node:crypto';
import type { Subset } from './istio-types.ts';

export function subsetName(labels: Readonly<Record<string, string>>): string {
  const raw = Object.entries(labels)
    .map(([k, v]) => `${k}-${v}`)
    .sort()
    .join('-');
  const sanitized = trimDashes(raw.toLowerCase().replace(/[^a-z0-9-]/g, '-'));
  if (sanitized.length <= 63) return sanitized === '' ? 'subset' : sanitized;
  // Over 63 characters: keep a readable head and make it unique with a hash of the full name.
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 10);
  return `${trimDashes(sanitized.slice(0, 52))}-${hash}`;
}

/**
 * Without leading and trailing dashes. A loop, not `/-+$/`: that regex backtracks over every run of
 * dashes in the string, so a label value of 100,000 dashes took minutes.
 */
function trimDashes(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text[start] === '-') start++;
  while (end > start && text[end - 1] === '-') end--;
  return text.slice(start, end);
}

/** One subset per distinct label set, sorted by name. */
export function subsetsFor(labelSets: readonly Readonly<Record<string, string>>[]): Subset[] {
  const byName = new Map<string, Subset>();
  for (const labels of labelSets) {
    if (Object.keys(labels).length === 0) continue;
    const name = subsetName(labels);
    if (!byName.has(name)) byName.set(name, { name, labels: Object.fromEntries(Object.entries(labels).sort()) });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// The few lines `meshctl render` prints on stderr after every render: what was read, the state of
// every object whose state decides whether the estate is configured, and the objects that are not
// ACCEPTED with their first error and the file they came from. Bounded at any estate size.
import type { KubeObject } from '../api/meta.ts';
import { objectKey } from '../kube/resources.ts';
import { describeObject, type InputSnapshot, type SourcePosition } from '../snapshot/input.ts';

/** The kinds `--strict` holds to ACCEPTED, in the order the summary shows them. */
export const STRICT_KINDS = ['TrafficPolicy', 'AccessPolicy', 'VirtualMesh', 'VirtualDestination'] as const;

/** Objects not ACCEPTED that are listed one per line; the rest are counted. */
export const MAX_LISTED = 10;

export interface RenderSummary {
  readonly lines: readonly string[];
  /** Objects of STRICT_KINDS whose state is not ACCEPTED. */
  readonly notAccepted: number;
}

interface Problem {
  readonly state: string;
  readonly object: KubeObject;
  readonly error: string | undefined;
}

function statusOf(object: KubeObject): Record<string, unknown> | undefined {
  const status = (object as { status?: unknown }).status;
  return typeof status === 'object' && status !== null ? (status as Record<string, unknown>) : undefined;
}

/** The first error in a status: its own, else the first of a per-Destination or per-Mesh entry. */
function firstError(value: unknown, depth = 0): string | undefined {
  if (typeof value !== 'object' || value === null || depth > 3) return undefined;
  const errors = (value as { errors?: unknown }).errors;
  if (Array.isArray(errors) && typeof errors[0] === 'string') return errors[0];
  for (const [key, child] of Object.entries(value)) {
    if (key === 'errors') continue;
    const found = firstError(child, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function where(source: SourcePosition | undefined): string {
  if (source?.file === undefined) return '';
  return ` (${source.file}${source.document === undefined ? '' : `, document ${String(source.document)}`})`;
}

/** `3 TrafficPolicy, 2 Service`: most frequent first, then by name. */
function counts(byKind: ReadonlyMap<string, number>): string {
  return [...byKind]
    .sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0))
    .map(([kind, count]) => `${String(count)} ${kind}`)
    .join(', ');
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** A one-line error: long texts cut, so one object cannot flood the summary. */
function short(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

export function summarizeRender(snapshot: InputSnapshot, mgmt: readonly KubeObject[]): RenderSummary {
  const lines: string[] = [];
  const read = new Map<string, number>();
  const sources = new Map<string, SourcePosition>();
  for (const { object, source } of snapshot.mgmt) {
    increment(read, object.kind);
    sources.set(objectKey(object), source);
  }
  let total = snapshot.mgmt.length;
  for (const objects of snapshot.clusters.values()) {
    for (const { object } of objects) increment(read, object.kind);
    total += objects.length;
  }
  const clusters = snapshot.clusters.size;
  lines.push(
    `read ${String(total)} object${total === 1 ? '' : 's'} (management cluster and ${String(clusters)} cluster${clusters === 1 ? '' : 's'})${total === 0 ? '' : `: ${counts(read)}`}`,
  );

  const states = new Map<string, Map<string, number>>(STRICT_KINDS.map((kind) => [kind, new Map()]));
  const problems: Problem[] = [];
  for (const object of mgmt) {
    const byState = states.get(object.kind);
    if (byState === undefined) continue;
    const status = statusOf(object);
    const state = typeof status?.state === 'string' ? status.state : 'NO STATUS';
    increment(byState, state);
    if (state !== 'ACCEPTED') problems.push({ state, object, error: firstError(status) });
  }
  for (const [kind, byState] of states) {
    if (byState.size === 0) continue;
    const shown = [...byState].sort(([a], [b]) => (a === 'ACCEPTED' ? -1 : b === 'ACCEPTED' ? 1 : a < b ? -1 : 1));
    lines.push(`${kind}: ${shown.map(([state, count]) => `${String(count)} ${state}`).join(', ')}`);
  }
  for (const { state, object, error } of problems.slice(0, MAX_LISTED)) {
    const text = error === undefined ? '' : `: ${short(error)}`;
    lines.push(`  ${state} ${describeObject(object)}${where(sources.get(objectKey(object)))}${text}`);
  }
  if (problems.length > MAX_LISTED) {
    lines.push(
      `  … and ${String(problems.length - MAX_LISTED)} more not ACCEPTED (their status in the output says why)`,
    );
  }
  return { lines, notAccepted: problems.length };
}

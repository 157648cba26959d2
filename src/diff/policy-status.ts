// What a policy's computed status says, in the few words a diff needs: its state, its errors (each
// naming the field), and the policies it conflicts with (named in our conflict messages). Pure.
import type { KubeObject } from '../api/meta.ts';

/** The kinds whose status the diff reports: what users author on the management cluster. */
export const POLICY_KINDS: ReadonlySet<string> = new Set([
  'TrafficPolicy',
  'AccessPolicy',
  'VirtualMesh',
  'VirtualDestination',
]);

export interface PolicyStatusSummary {
  /** ACCEPTED, INVALID, FAILED, … as in `.status.state`; PENDING when there is no status. */
  readonly state: string;
  /** Every error, top-level first, then per Destination (`<destination>: <message>`), sorted. */
  readonly errors: readonly string[];
  /** `Kind namespace/name` of every policy a conflict error names, sorted. */
  readonly conflictsWith: readonly string[];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

// `conflict: <field> on <scope> is already set to a different value by TrafficPolicy ns/a, TrafficPolicy ns/b, which …`
const CONFLICT = /already set to a different value by (.*?), which/;
const POLICY_NAME = /\b(TrafficPolicy|AccessPolicy|VirtualMesh|VirtualDestination) ([a-z0-9.-]+\/[a-z0-9.-]+)/g;

export function summarizePolicyStatus(object: KubeObject): PolicyStatusSummary {
  const status = record((object as { status?: unknown }).status);
  const state = typeof status.state === 'string' ? status.state : 'PENDING';
  const perDestination: string[] = [];
  const destinations = record(status.destinations);
  for (const key of Object.keys(destinations).sort()) {
    for (const message of strings(record(destinations[key]).errors)) perDestination.push(`${key}: ${message}`);
  }
  const errors = [...strings(status.errors), ...perDestination];
  const conflicts = new Set<string>();
  for (const message of errors) {
    const owners = CONFLICT.exec(message)?.[1];
    if (owners === undefined) continue;
    for (const match of owners.matchAll(POLICY_NAME)) conflicts.add(`${match[1] ?? ''} ${match[2] ?? ''}`);
  }
  return { state, errors, conflictsWith: [...conflicts].sort() };
}

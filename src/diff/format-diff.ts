// The one text format of a RenderDiff (`meshctl diff`, `meshctl render --diff-against`): grouped by
// cluster, one line per object (+ created, ~ updated, - deleted) and one per changed field, then the
// policies whose status changes, then a one-line summary. Stable order; colour only when asked (a TTY).
import type { FieldChange } from './field-diff.ts';
import type { PolicyStatusSummary } from './policy-status.ts';
import type { ObjectChange, PolicyStatusChange, RenderDiff } from './render-diff.ts';

export interface DiffTextOptions {
  readonly colour: boolean;
}

const COLOURS = { green: '\u001b[32m', red: '\u001b[31m', yellow: '\u001b[33m', bold: '\u001b[1m' } as const;
const RESET = '\u001b[0m';

/** A value on one line: strings as JSON strings so that `"5"` and `5` differ visibly. */
function formatValue(value: unknown): string {
  return value === undefined ? '(absent)' : JSON.stringify(value);
}

function objectName(change: { kind: string; namespace?: string; name: string; apiVersion?: string }): string {
  return `${change.kind} ${change.namespace === undefined ? '' : `${change.namespace}/`}${change.name}`;
}

function fieldLine(field: FieldChange): string {
  return `      ${field.path}: ${formatValue(field.before)} -> ${formatValue(field.after)}`;
}

function statusText(status: PolicyStatusSummary | undefined): string {
  if (status === undefined) return '(none)';
  if (status.conflictsWith.length > 0) return `${status.state} (conflicts with ${status.conflictsWith.join(', ')})`;
  return status.state;
}

function plural(count: number, word: string): string {
  return `${String(count)} ${word}${count === 1 ? '' : 's'}`;
}

export function formatRenderDiff(diff: RenderDiff, options: DiffTextOptions): string {
  const paint = (colour: keyof typeof COLOURS, text: string) =>
    options.colour ? `${COLOURS[colour]}${text}${RESET}` : text;
  const lines: string[] = [];
  const objectLine = (change: ObjectChange): string[] => {
    const name = `${objectName(change)} (${change.apiVersion})`;
    switch (change.change) {
      case 'created':
        return [paint('green', `  + ${name}`)];
      case 'deleted':
        return [paint('red', `  - ${name}`)];
      case 'updated':
        return [paint('yellow', `  ~ ${name}`), ...change.fields.map(fieldLine)];
    }
  };
  for (const cluster of diff.clusters) {
    lines.push(paint('bold', `cluster ${cluster.cluster}`));
    for (const change of cluster.objects) lines.push(...objectLine(change));
    lines.push('');
  }
  if (diff.policies.length > 0) {
    lines.push(paint('bold', 'policy status'));
    for (const policy of diff.policies) lines.push(...policyLines(policy));
    lines.push('');
  }
  const { created, updated, deleted } = diff.counts;
  const statuses = diff.policies.length === 1 ? '1 policy status' : `${String(diff.policies.length)} policy statuses`;
  lines.push(
    diff.changed
      ? `${plural(created, 'object')} created, ${String(updated)} updated, ${String(deleted)} deleted in ${plural(diff.clusters.length, 'cluster')}; ${statuses} changed`
      : 'no changes',
  );
  return `${lines.join('\n')}\n`;
}

function policyLines(policy: PolicyStatusChange): string[] {
  const lines = [`  ${objectName(policy)}: ${statusText(policy.before)} -> ${statusText(policy.after)}`];
  const before = new Set(policy.before?.errors ?? []);
  // New errors are what the user must read; errors that go away are shown as resolved.
  for (const error of policy.after?.errors ?? []) if (!before.has(error)) lines.push(`      error: ${error}`);
  const after = new Set(policy.after?.errors ?? []);
  if (policy.after !== undefined) {
    for (const error of policy.before?.errors ?? []) if (!after.has(error)) lines.push(`      resolved: ${error}`);
  }
  return lines;
}

// Field-level difference of two JSON values: one entry per leaf that was added, removed or changed,
// in a stable order (mapping keys sorted, list items by index). Pure.

/** One changed field. `before` is absent for an added field, `after` for a removed one. */
export interface FieldChange {
  /** e.g. `spec.http[0].timeout`, `metadata.annotations["owner.networking.mesh.gloo.solo.io"]`. */
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

function childPath(parent: string, key: string): string {
  if (PLAIN_KEY.test(key)) return parent === '' ? key : `${parent}${parent.endsWith('(json)') ? '' : '.'}${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function change(path: string, before: unknown, after: unknown): FieldChange {
  return {
    path,
    ...(before === undefined ? {} : { before }),
    ...(after === undefined ? {} : { after }),
  };
}

function embeddedJson(value: unknown): object | undefined {
  if (typeof value !== 'string' || !/^[[{]/.test(value)) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The fields that differ between two JSON values; empty when they are equal. */
export function diffFields(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffFields(before[key], after[key], childPath(path, key)));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const changes: FieldChange[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      changes.push(...diffFields(before[i], after[i], `${path}[${String(i)}]`));
    }
    return changes;
  }
  if (before === undefined && after === undefined) return [];
  // A JSON document held in a string (our parents annotation) is compared inside, field by field.
  const beforeJson = embeddedJson(before);
  const afterJson = embeddedJson(after);
  if (beforeJson !== undefined && afterJson !== undefined) return diffFields(beforeJson, afterJson, `${path}(json)`);
  if (typeof before !== 'object' && typeof after !== 'object' && before === after) {
    return [];
  }
  if (before === null && after === null) return [];
  return [change(path === '' ? '(object)' : path, before, after)];
}

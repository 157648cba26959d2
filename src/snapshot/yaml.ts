// Canonical YAML: reading multi-document streams (and `kind: List`) with errors that name the
// file, document index and line; writing with sorted keys and no timestamps, so output is stable.
import { isMap, isScalar, parseAllDocuments, stringify } from 'yaml';
import { KubeObject } from '../api/meta.ts';

export interface ParsedDocument {
  readonly document: number;
  readonly object: KubeObject;
}

export class InputError extends Error {
  readonly file: string;
  readonly document: number | undefined;
  constructor(file: string, document: number | undefined, detail: string) {
    super(`${file}${document === undefined ? '' : ` (document ${document})`}: ${detail}`);
    this.name = 'InputError';
    this.file = file;
    this.document = document;
  }
}

/**
 * Parses a YAML stream into Kubernetes objects. Empty documents are skipped; `kind: List` and
 * `kind: <X>List` are expanded into their items. Throws InputError naming the file, document and field.
 */
export function parseKubeYaml(text: string, file: string): ParsedDocument[] {
  const documents = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  const parsed: ParsedDocument[] = [];
  documents.forEach((doc, index) => {
    const [error] = doc.errors;
    if (error !== undefined) {
      const position = error.linePos?.[0];
      const where = position === undefined ? '' : ` at line ${position.line}, column ${position.col}`;
      const detail = firstLine(error.message).replace(/ at line \d+, column \d+:?$/, '');
      throw new InputError(file, index, `invalid YAML${where}: ${detail}`);
    }
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return;
    if (!isMap(doc.contents)) {
      throw new InputError(file, index, 'a document must be a mapping (a Kubernetes object)');
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    for (const object of expandList(value, file, index)) parsed.push({ document: index, object });
  });
  return parsed;
}

function expandList(value: unknown, file: string, index: number): KubeObject[] {
  if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    return value.items.map((item, i) => toKubeObject(item, file, index, `items[${i}].`));
  }
  return [toKubeObject(value, file, index, '')];
}

function toKubeObject(value: unknown, file: string, index: number, prefix: string): KubeObject {
  if (!isRecord(value)) throw new InputError(file, index, `${prefix || 'document'} is not a mapping`);
  const result = KubeObject.safeParse(value);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const path = issue === undefined ? '' : issue.path.map(String).join('.');
  const missing = issue !== undefined && issue.code === 'invalid_type' && !hasPath(value, issue.path);
  const field = `${prefix}${path}`;
  const message = missing ? `missing required field ${field}` : `field ${field}: ${issue?.message ?? 'invalid'}`;
  throw new InputError(file, index, message);
}

function hasPath(value: unknown, path: readonly PropertyKey[]): boolean {
  let current: unknown = value;
  for (const key of path) {
    if (!isRecord(current) || !(String(key) in current)) return false;
    current = current[String(key)];
  }
  return current !== undefined && current !== null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/**
 * One object as canonical YAML: keys sorted, no document markers. Written as YAML 1.1 so that strings
 * such as `yes`, `on` or `y` are quoted: kubectl, istioctl and other Go tools read YAML 1.1 and would
 * otherwise take them for booleans.
 */
export function toCanonicalYaml(value: unknown): string {
  return stringify(value, { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' });
}

/** Several objects as one canonical multi-document stream, in the order given. */
export function toCanonicalYamlStream(values: readonly unknown[]): string {
  return values.map((value) => `---\n${toCanonicalYaml(value)}`).join('');
}

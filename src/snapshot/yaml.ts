// Canonical YAML: reading multi-document streams (and `kind: List`) with errors that name the
// file, document index and line; writing with sorted keys and no timestamps, so output is stable.
import { Composer, isMap, isScalar, LineCounter, Parser, stringify, type Document } from 'yaml';
import { fieldPath } from '../api/common/field-path.ts';
import { isPlainKubeObject, KubeObject } from '../api/meta.ts';
import { codePointCount } from './line-position.ts';
import { parsePlainJson, type PlainJson } from './plain-json.ts';
import { emitCanonicalYaml } from './yaml-emitter.ts';
import { InputError } from './input-error.ts';
import { YAML_LIMITS } from './yaml-limits.ts';

export interface ParsedDocument {
  readonly document: number;
  readonly object: KubeObject;
}

export { InputError } from './input-error.ts';
export { YAML_LIMITS } from './yaml-limits.ts';

/**
 * Parses a YAML stream into Kubernetes objects. Empty documents are skipped; `kind: List` and
 * `kind: <X>List` are expanded into their items. Throws InputError naming the file, document and field.
 * Documents are composed one at a time, so memory follows the largest document, not the whole file.
 */
export function parseKubeYaml(text: string, file: string): ParsedDocument[] {
  checkDocumentSizes(text, file);
  // A file that is one plain JSON object takes the fast way; anything else, errors included, the careful one.
  const json = parsePlainJson(text);
  if (json !== undefined) return documentObjects(json.value, file, 0, json.depth);
  return composeDocuments(text, file);
}

/** The objects of a file that parsePlainJson (or the parallel reader) read the fast way. */
export function plainJsonDocuments(json: PlainJson, file: string): ParsedDocument[] {
  return documentObjects(json.value, file, 0, json.depth);
}

/** parseKubeYaml without the JSON fast way: every file composed as YAML (tests compare the two). */
export function parseKubeYamlCarefully(text: string, file: string): ParsedDocument[] {
  checkDocumentSizes(text, file);
  return composeDocuments(text, file);
}

function composeDocuments(text: string, file: string): ParsedDocument[] {
  const lineCounter = new LineCounter();
  const parser = new Parser(lineCounter.addNewLine);
  // logLevel error: the library's warnings (a mapping used as a key …) would go to the process's stderr.
  const composer = new Composer({ uniqueKeys: true, logLevel: 'error' });
  const parsed: ParsedDocument[] = [];
  let index = 0;
  for (const doc of composer.compose(parser.parse(text), true, text.length)) {
    for (const { document, object } of readDocument(doc, file, index, { text, lineCounter }))
      parsed.push({ document, object });
    index += 1;
  }
  return parsed;
}

interface Source {
  readonly text: string;
  readonly lineCounter: LineCounter;
}

/** 1-based line and column of an offset; the column in characters, as editors count (not UTF-16 units). */
function placeOf(source: Source, offset: number): { line: number; column: number } {
  const { line } = source.lineCounter.linePos(offset);
  const start = source.lineCounter.lineStarts[line - 1] ?? 0;
  return { line, column: codePointCount(source.text.slice(start, offset)) + 1 };
}

/**
 * The parser's message without any of the document's text: some messages quote a tag, an escape or a
 * scalar, and the document may be a Secret. The parts they quote come after a colon or inside the
 * message; those parts are dropped and the rest kept.
 */
export function safeYamlMessage(message: string): string {
  const line = firstLine(message);
  const quoting: readonly [RegExp, string][] = [
    [/^Unexpected .* in (flow map|flow sequence|flow collection|collection)$/, 'Unexpected token in $1'],
    [/^Verbatim tags aren't resolved.*/, "Verbatim tags aren't resolved"],
    [/^The .* tag has no suffix$/, 'A tag has no suffix'],
    [/^Anchors and tags must be after the .* indicator$/, 'Anchors and tags must be after the indicator'],
    [/^Plain value cannot start with .*/, 'Plain value cannot start with a reserved character'],
    [/^Unresolved plain scalar .*/, 'Unresolved plain scalar'],
  ];
  for (const [pattern, replacement] of quoting) if (pattern.test(line)) return line.replace(pattern, replacement);
  // `Unresolved tag: !x`, `Invalid escape sequence \q`, `… extra characters: |x`: keep what precedes the quote.
  const colon = line.search(/(?<=\w):\s|\s\S*[\\!|>*&]\S*$/);
  const kept = colon === -1 ? line : line.slice(0, colon);
  return kept.length > 120 ? `${kept.slice(0, 120)}…` : kept;
}

function readDocument(doc: Document.Parsed, file: string, index: number, source: Source): ParsedDocument[] {
  const [error] = doc.errors;
  if (error !== undefined) {
    const position = placeOf(source, error.pos[0]);
    const where = ` at line ${String(position.line)}, column ${String(position.column)}`;
    // The composer reports running out of stack as an error at the place it gave up.
    const detail = /call stack/i.test(error.message) ? 'nested too deeply (refused)' : safeYamlMessage(error.message);
    throw new InputError(file, index, `invalid YAML${where}: ${detail}`);
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return [];
  if (!isMap(doc.contents)) {
    throw new InputError(file, index, 'a document must be a mapping (a Kubernetes object)');
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount });
  } catch (cause) {
    // The yaml library throws a ReferenceError past maxAliasCount, and deep nesting can exhaust the stack.
    if (cause instanceof ReferenceError && /unresolved alias/i.test(cause.message)) {
      throw new InputError(file, index, 'invalid YAML: an alias (*name) refers to no anchor (&name) before it');
    }
    if (cause instanceof ReferenceError && /alias/i.test(cause.message)) {
      throw new InputError(
        file,
        index,
        `refused: its aliases expand more than ${String(YAML_LIMITS.maxAliasCount)} times (an alias bomb?)`,
      );
    }
    if (cause instanceof RangeError) throw new InputError(file, index, `refused: nested too deeply (${cause.message})`);
    throw cause;
  }
  return documentObjects(value, file, index);
}

/** The objects of one document's value: refused past the depth bound, a List expanded, each checked. */
function documentObjects(value: unknown, file: string, index: number, depth?: number): ParsedDocument[] {
  // A depth already measured within the bound spares the walk.
  if (depth === undefined || depth > YAML_LIMITS.maxDepth) checkDepth(value, file, index);
  return expandList(value, file, index).map((object) => ({ document: index, object }));
}

/**
 * Refuses a document over the size bound before parsing it. A line that starts with `---` or `...`
 * always begins or ends a document in YAML (no scalar may hold one), so the split is exact.
 */
function checkDocumentSizes(text: string, file: string): void {
  if (text.length <= YAML_LIMITS.maxDocumentBytes) return;
  const marker = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;
  let start = 0;
  const check = (end: number) => {
    if (end - start <= YAML_LIMITS.maxDocumentBytes) return;
    const line = lineOf(text, start);
    throw new InputError(
      file,
      undefined,
      `the document starting at line ${String(line)} is ${mebibytes(end - start)} MiB; a document may hold at most ${mebibytes(YAML_LIMITS.maxDocumentBytes)} MiB (the API server takes no object over 3 MiB: split a long List into one document per object)`,
    );
  };
  for (const match of text.matchAll(marker)) {
    check(match.index);
    start = match.index;
  }
  check(text.length);
}

/** Refuses nesting deeper than the bound, naming the field where it goes too deep. */
function checkDepth(value: unknown, file: string, index: number): void {
  const path = pathTooDeep(value, 0);
  if (path === undefined) return;
  const shown = `${fieldPath(path.slice(0, 6))}…`;
  throw new InputError(
    file,
    index,
    `field ${shown}: nested more than ${String(YAML_LIMITS.maxDepth)} levels deep (refused)`,
  );
}

/** The path to the first value nested deeper than the bound; the recursion stops at the bound. */
function pathTooDeep(value: unknown, depth: number): (string | number)[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > YAML_LIMITS.maxDepth) return [];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const path = pathTooDeep(value[i], depth + 1);
      if (path !== undefined) return [i, ...path];
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const path = pathTooDeep(item, depth + 1);
    if (path !== undefined) return [key, ...path];
  }
  return undefined;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

function mebibytes(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

function expandList(value: unknown, file: string, index: number): KubeObject[] {
  if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    return value.items.map((item, i) => toKubeObject(item, file, index, ['items', i]));
  }
  return [toKubeObject(value, file, index, [])];
}

function toKubeObject(value: unknown, file: string, index: number, prefix: readonly (string | number)[]): KubeObject {
  if (!isRecord(value)) throw new InputError(file, index, `${fieldPath(prefix) || 'document'} is not a mapping`);
  if (isPlainKubeObject(value)) return value;
  const result = KubeObject.safeParse(value);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const missing = issue !== undefined && issue.code === 'invalid_type' && !hasPath(value, issue.path);
  const field = fieldPath([...prefix, ...(issue?.path ?? [])]);
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
  return emitCanonicalYaml(value) ?? libraryCanonicalYaml(value);
}

/** The library's writing of canonical YAML: the reference the fast writer (yaml-emitter.ts) matches. */
export function libraryCanonicalYaml(value: unknown): string {
  return stringify(value, { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' });
}

/** Several objects as one canonical multi-document stream, in the order given. */
export function toCanonicalYamlStream(values: readonly unknown[]): string {
  return values.map((value) => `---\n${toCanonicalYaml(value)}`).join('');
}

// A fast writer of canonical YAML for plain data (objects, arrays, strings, numbers, booleans, null):
// byte for byte what the yaml library's stringify writes with the canonical options (yaml.ts), at a
// fraction of its cost, because it builds no document tree. Anything outside its narrow domain (a
// string that would need a block scalar, escapes or a long key; a Date; a Map; undefined in an array)
// makes it answer undefined, and the caller uses the library. yaml-emitter.test.ts proves the
// equality on generated values.
import { Document, type CollectionTag, type ScalarTag } from 'yaml';

const INDENT = '  ';

/** The YAML 1.1 tags whose plain scalars are not strings (bool `yes`, int `0o7`, timestamp …). */
const nonStringTags: readonly RegExp[] = (() => {
  // The schema of a document made with the canonical options. The merge key `<<` (default 'key') is
  // left to the library (needsLibrary).
  const schema = new Document(null, { sortMapEntries: true, aliasDuplicateObjects: false, version: '1.1' }).schema;
  const tags: (CollectionTag | ScalarTag)[] = [...schema.tags, ...(schema.compat ?? [])];
  return tags.flatMap((tag) =>
    tag.default === true && tag.tag !== 'tag:yaml.org,2002:str' && tag.test !== undefined ? [tag.test] : [],
  );
})();

/** Characters and sequences that keep a single-line string from being written plain (the library's own rule). */
const NOT_PLAIN = /^[\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|:[ \t]|[\t ]#|[\t :]$/;
/** A document marker, a directive or the merge key: the library writes them with care of its own. */
const SPECIAL_START = /^(?:%|---|\.\.\.)|^<<$/;

/**
 * Strings the library writes otherwise than as one plain or quoted line: line breaks, control
 * characters and lone surrogates (escaped), U+2028/U+2029: left to it.
 */
function needsLibrary(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit < 0x20) {
      if (unit !== 0x09) return true;
    } else if (unit >= 0x7f) {
      if (unit <= 0x9f || unit === 0x2028 || unit === 0x2029) return true;
      if (unit >= 0xd800 && unit <= 0xdfff) {
        // A pair (an emoji) is one character; a surrogate alone is escaped.
        const next = value.charCodeAt(i + 1);
        if (unit > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return true;
        i++;
      }
    }
  }
  return SPECIAL_START.test(value);
}
/**
 * Most strings of Kubernetes objects (names, hosts, kinds): a letter, then six or more name
 * characters. Plain for sure: no indicator, and every YAML 1.1 non-string that begins with a letter
 * (`yes`, `false`, `null` …) is five characters or fewer.
 */
const COMMON_PLAIN = /^[A-Za-z][A-Za-z0-9._/-]{5,}$/;
/** The library makes a key longer than this an explicit `? key` entry. */
const MAX_IMPLICIT_KEY = 1024;

/** One scalar string as the library writes it on one line, or undefined when it would not. */
function scalarString(value: string): string | undefined {
  // Keys and many values repeat across objects: their writing is remembered (a bounded cache).
  const known = written.get(value);
  if (known !== undefined) return known === null ? undefined : known;
  const text = COMMON_PLAIN.test(value) ? value : uncachedScalarString(value);
  if (value.length <= MAX_CACHED_LENGTH) {
    if (written.size >= MAX_CACHED) written.clear();
    written.set(value, text ?? null);
  }
  return text;
}

const written = new Map<string, string | null>();
const MAX_CACHED = 100_000;
const MAX_CACHED_LENGTH = 80;

function uncachedScalarString(value: string): string | undefined {
  if (needsLibrary(value)) return undefined;
  if (!NOT_PLAIN.test(value) && !nonStringTags.some((test) => test.test(value))) return value;
  // quotedString: single quotes only for a value holding a double quote and no single one.
  const hasDouble = value.includes('"');
  if (hasDouble && !value.includes("'")) return `'${value}'`;
  return JSON.stringify(value);
}

function numberText(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? '.nan' : value < 0 ? '-.inf' : '.inf';
  return Object.is(value, -0) ? '-0' : JSON.stringify(value);
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

const COLLECTION = Symbol('collection');

/** A scalar's text, `{}`/`[]` for empty collections, COLLECTION for others, or undefined (not handled). */
function inlineText(value: unknown): string | typeof COLLECTION | undefined {
  switch (typeof value) {
    case 'string':
      return scalarString(value);
    case 'number':
      return numberText(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return value.length === 0 ? '[]' : COLLECTION;
      if (!isPlainObject(value)) return undefined;
      for (const key in value) if (Object.hasOwn(value, key) && value[key] !== undefined) return COLLECTION;
      return '{}';
    default:
      return undefined;
  }
}

/** Keys in code-unit order, as the library sorts them; insertion sort for the few keys of most objects. */
function sortedKeys(value: Record<string, unknown>): string[] {
  const keys = Object.keys(value);
  if (keys.length > 12) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] ?? '';
    let j = i - 1;
    while (j >= 0 && (keys[j] ?? '') > key) {
      keys[j + 1] = keys[j] ?? '';
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

/**
 * A mapping's entries, each line at `indent`; `first` replaces the indent of the first line (a
 * sequence item's `- `). Undefined when something is outside the domain.
 */
function emitMap(value: Record<string, unknown>, indent: string, first: string): string | undefined {
  const keys = sortedKeys(value);
  let out = '';
  let lead = first;
  for (const key of keys) {
    const item = value[key];
    if (item === undefined) continue;
    const keyText = scalarString(key);
    if (keyText === undefined || keyText.length > MAX_IMPLICIT_KEY) return undefined;
    const text = inlineText(item);
    if (text === undefined) return undefined;
    if (text !== COLLECTION) {
      out += `${lead}${keyText}: ${text}\n`;
    } else {
      const inner = indent + INDENT;
      const nested = emitCollection(item, inner, inner);
      if (nested === undefined) return undefined;
      out += `${lead}${keyText}:\n${nested}`;
    }
    lead = indent;
  }
  return out;
}

function emitSeq(value: readonly unknown[], indent: string, first: string): string | undefined {
  let out = '';
  let lead = first;
  for (const item of value) {
    const text = inlineText(item);
    if (text === undefined) return undefined;
    if (text !== COLLECTION) {
      out += `${lead}- ${text}\n`;
    } else {
      const nested = emitCollection(item, indent + INDENT, `${lead}- `);
      if (nested === undefined) return undefined;
      out += nested;
    }
    lead = indent;
  }
  return out;
}

function emitCollection(value: unknown, indent: string, first: string): string | undefined {
  if (Array.isArray(value)) return emitSeq(value, indent, first);
  if (typeof value === 'object' && value !== null && isPlainObject(value)) return emitMap(value, indent, first);
  return undefined;
}

/**
 * One object as canonical YAML, exactly as `toCanonicalYaml` writes it, or undefined when the value
 * holds something this writer leaves to the library.
 */
export function emitCanonicalYaml(value: unknown): string | undefined {
  return inlineText(value) === COLLECTION ? emitCollection(value, '', '') : undefined;
}

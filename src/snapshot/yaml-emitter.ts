// A fast writer of canonical YAML for plain data (objects, arrays, strings, numbers, booleans, null):
// byte for byte what the yaml library's stringify writes with the canonical options (yaml.ts), at a
// fraction of its cost, because it builds no document tree. Anything outside its narrow domain (a
// string that would need a block scalar, escapes or a long key; a Date; a Map; undefined in an array)
// makes it answer undefined, and the caller uses the library. yaml-emitter.test.ts proves the
// equality on generated values.
import { Document, type CollectionTag, type ScalarTag } from 'yaml';

/** Spaces per level. */
const INDENT = 2;

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
 * UTF-8 bytes gathered in one growing buffer, reused from object to object: the text is written
 * where it ends up, so no string is built per line or per object (building them, and the garbage
 * they leave, cost more than the rest of the writing).
 */
export class YamlBytes {
  bytes: Buffer;
  length = 0;
  constructor(capacity = 2 ** 20) {
    this.bytes = Buffer.allocUnsafe(capacity);
  }

  /** Appends a string as UTF-8; ASCII, nearly all of it, byte by byte. */
  write(text: string): void {
    const count = text.length;
    // A UTF-16 unit never takes more than 3 bytes of UTF-8.
    if (this.length + count * 3 > this.bytes.length) this.grow(count * 3);
    const bytes = this.bytes;
    let at = this.length;
    for (let i = 0; i < count; i++) {
      const unit = text.charCodeAt(i);
      if (unit >= 0x80) {
        // Not ASCII: the rest through the encoder. A pair is never split: everything before i is ASCII.
        at += bytes.write(text.slice(i), at, 'utf8');
        break;
      }
      bytes[at++] = unit;
    }
    this.length = at;
  }

  /** Room for `count` more bytes. */
  reserve(count: number): void {
    if (this.length + count > this.bytes.length) this.grow(count);
  }

  /** The text written since `start`, removed. */
  take(start: number): string {
    const text = this.bytes.toString('utf8', start, this.length);
    this.length = start;
    return text;
  }

  private grow(needed: number): void {
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + needed));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }
}

/** ASCII letters, and the name characters of COMMON_PLAIN, as tables: faster than the expression per string. */
const LETTER = new Uint8Array(128);
const NAME_CHARACTER = new Uint8Array(128);
for (let unit = 0; unit < 128; unit++) {
  const char = String.fromCharCode(unit);
  LETTER[unit] = /[A-Za-z]/.test(char) ? 1 : 0;
  NAME_CHARACTER[unit] = /[A-Za-z0-9._/-]/.test(char) ? 1 : 0;
}

/**
 * Appends a string scalar as the library writes it on one line; false when it would not, or when
 * its text is longer than `maxLength`. A COMMON_PLAIN string is copied as it is checked, with no
 * cache lookup: most strings of an estate are such names.
 */
function writeScalar(out: YamlBytes, value: string, maxLength: number): boolean {
  const count = value.length;
  if (count >= 6 && count <= maxLength) {
    out.reserve(count);
    const first = value.charCodeAt(0);
    if (first < 128 && LETTER[first] === 1) {
      const bytes = out.bytes;
      const start = out.length;
      let i = 0;
      for (; i < count; i++) {
        const unit = value.charCodeAt(i);
        if (unit >= 128 || NAME_CHARACTER[unit] !== 1) break;
        bytes[start + i] = unit;
      }
      if (i === count) {
        out.length = start + count;
        return true;
      }
    }
  }
  const text = scalarString(value);
  if (text === undefined || text.length > maxLength) return false;
  out.write(text);
  return true;
}

/** Whether a mapping holds a value to write (every key with an undefined value is left out). */
function hasDefinedValue(value: Record<string, unknown>, keys: readonly string[]): boolean {
  for (const key of keys) if (value[key] !== undefined) return true;
  return false;
}

/**
 * The first line's lead: `spaces` spaces then `dashes` times `- ` (a sequence item's marker, once
 * per sequence that starts on this line); the lines after are indented only.
 */
function writeLead(out: YamlBytes, spaces: number, dashes: number): void {
  out.reserve(spaces + 2 * dashes);
  const bytes = out.bytes;
  let at = out.length;
  for (let i = 0; i < spaces; i++) bytes[at++] = 0x20;
  for (let i = 0; i < dashes; i++) {
    bytes[at++] = 0x2d;
    bytes[at++] = 0x20;
  }
  out.length = at;
}

/** A scalar after its key's `: ` or its marker's `- `, then the line's end; false: outside the domain. */
function writeScalarLine(out: YamlBytes, value: unknown): boolean {
  switch (typeof value) {
    case 'string':
      if (!writeScalar(out, value, Infinity)) return false;
      break;
    case 'number':
      out.write(numberText(value));
      break;
    case 'boolean':
      out.write(value ? 'true' : 'false');
      break;
    case 'object':
      if (value !== null) return false;
      out.write('null');
      break;
    default:
      return false;
  }
  out.write('\n');
  return true;
}

/**
 * A mapping's entries (`keys`, sorted), each line at `indent` spaces but the first, whose lead is
 * `firstSpaces` and `firstDashes` (see writeLead); false: outside the domain.
 */
function writeMap(
  out: YamlBytes,
  value: Record<string, unknown>,
  keys: readonly string[],
  indent: number,
  firstSpaces: number,
  firstDashes: number,
): boolean {
  let spaces = firstSpaces;
  let dashes = firstDashes;
  const inner = indent + INDENT;
  for (const key of keys) {
    const item = value[key];
    if (item === undefined) continue;
    writeLead(out, spaces, dashes);
    spaces = indent;
    dashes = 0;
    if (!writeScalar(out, key, MAX_IMPLICIT_KEY)) return false;
    if (typeof item !== 'object' || item === null) {
      out.write(': ');
      if (!writeScalarLine(out, item)) return false;
    } else if (Array.isArray(item)) {
      if (item.length === 0) out.write(': []\n');
      else {
        out.write(':\n');
        if (!writeSeq(out, item, inner, inner, 0)) return false;
      }
    } else {
      if (!isPlainObject(item)) return false;
      const itemKeys = sortedKeys(item);
      if (!hasDefinedValue(item, itemKeys)) out.write(': {}\n');
      else {
        out.write(':\n');
        if (!writeMap(out, item, itemKeys, inner, inner, 0)) return false;
      }
    }
  }
  return true;
}

/** A sequence's items, leads as in writeMap; an item that is a collection starts on its marker's line. */
function writeSeq(
  out: YamlBytes,
  value: readonly unknown[],
  indent: number,
  firstSpaces: number,
  firstDashes: number,
): boolean {
  let spaces = firstSpaces;
  let dashes = firstDashes;
  const inner = indent + INDENT;
  for (const item of value) {
    if (typeof item !== 'object' || item === null) {
      writeLead(out, spaces, dashes + 1);
      if (!writeScalarLine(out, item)) return false;
    } else if (Array.isArray(item)) {
      if (item.length > 0) {
        if (!writeSeq(out, item, inner, spaces, dashes + 1)) return false;
      } else {
        writeLead(out, spaces, dashes + 1);
        out.write('[]\n');
      }
    } else {
      if (!isPlainObject(item)) return false;
      const itemKeys = sortedKeys(item);
      if (hasDefinedValue(item, itemKeys)) {
        if (!writeMap(out, item, itemKeys, inner, spaces, dashes + 1)) return false;
      } else {
        writeLead(out, spaces, dashes + 1);
        out.write('{}\n');
      }
    }
    spaces = indent;
    dashes = 0;
  }
  return true;
}

/**
 * Appends one object as canonical YAML, exactly as `toCanonicalYaml` writes it, and answers true;
 * or answers false, having appended nothing, when the value holds something this writer leaves to
 * the library.
 */
export function writeCanonicalYaml(out: YamlBytes, value: unknown): boolean {
  const start = out.length;
  if (typeof value === 'object' && value !== null) {
    if (Array.isArray(value)) {
      if (value.length > 0 && writeSeq(out, value, 0, 0, 0)) return true;
    } else if (isPlainObject(value)) {
      const keys = sortedKeys(value);
      if (hasDefinedValue(value, keys) && writeMap(out, value, keys, 0, 0, 0)) return true;
    }
  }
  out.length = start;
  return false;
}

const scratch = new YamlBytes(2 ** 16);

/**
 * One object as canonical YAML, exactly as `toCanonicalYaml` writes it, or undefined when the value
 * holds something this writer leaves to the library.
 */
export function emitCanonicalYaml(value: unknown): string | undefined {
  return writeCanonicalYaml(scratch, value) ? scratch.take(0) : undefined;
}

// JSON with object keys sorted: equal values give equal strings, whatever order their keys were
// written in. Used to compare translated fields and to group equal selectors and matchers.
//
// Written straight to a string rather than by stringifying a key-sorted copy, which was most of
// its cost. It gives exactly what `JSON.stringify` of that copy gave: a copy keeps own enumerable
// keys with a defined value, drops `__proto__` (an assignment does not make it a key) and lists
// array-index keys first in numeric order; such objects (rare) still go through the copy.
export function canonicalJson(value: unknown): string {
  // Only undefined, a function or a symbol has no JSON: JSON.stringify answers for them as before.
  return write(value) ?? JSON.stringify(value);
}

/** A string as JSON: as it is between quotes unless it holds a character JSON escapes (or a surrogate). */
function quote(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}

function write(value: unknown): string | undefined {
  if (typeof value === 'string') return quote(value);
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += write(value[i]) ?? 'null';
    }
    return `${out}]`;
  }
  const keys = Object.keys(value);
  // Sorting allocates even for one key; most of these objects have one or two.
  if (keys.length > 1) keys.sort();
  let out = '{';
  for (const key of keys) {
    if (isIndexLike(key)) return JSON.stringify(sortKeys(value));
    if (key === '__proto__') continue;
    const child = (value as Record<string, unknown>)[key];
    if (child === undefined) continue;
    const written = write(child);
    if (written === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${quote(key)}:${written}`;
  }
  return `${out}}`;
}

/** A key an object lists before the others (array indices, e.g. "0"): only a key starting with a digit can be one. */
function isIndexLike(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 48 && first <= 57;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    const keys = Object.keys(value);
    if (keys.length > 1) keys.sort();
    for (const key of keys) {
      const child = (value as Record<string, unknown>)[key];
      if (child !== undefined) out[key] = sortKeys(child);
    }
    return out;
  }
  return value;
}

// The fast way into a file that is one JSON object (what `kubectl get -o json` and generators write):
// JSON.parse, an order of magnitude faster than composing YAML. JSON.parse keeps the last of two equal
// keys where YAML refuses them, so the keys of the text are counted and compared with the keys of
// the value: fewer in the value means a duplicate. Anything unusual answers undefined and the caller
// reads the file with the careful YAML reader, which gives the errors users know (file, document, line).

/**
 * A mapping and how deep it nests (0: no mapping or sequence inside), or undefined: not JSON, not
 * one object, duplicate keys, or a form left to the YAML reader.
 */
export function parsePlainJson(text: string): PlainJson | undefined {
  const keys = plainJsonTextKeys(text);
  return keys === undefined ? undefined : parseCountedJson(text, keys);
}

export interface PlainJson {
  readonly value: Record<string, unknown>;
  readonly depth: number;
}

/**
 * The half of parsePlainJson that needs no parse (the parallel reader's worker runs it): the keys
 * the text holds, or undefined when the text is not for the fast way.
 */
export function plainJsonTextKeys(text: string): number | undefined {
  if (!startsWithBrace(text)) return undefined;
  // Tabs are JSON whitespace but not always YAML whitespace: such a file keeps the YAML reader's verdict.
  if (text.includes('\t')) return undefined;
  return countTextKeys(text);
}

/** The other half: the text parsed, and undefined unless its value holds as many keys as the text. */
export function parseCountedJson(text: string, textKeys: number): PlainJson | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const shape: Shape = { keys: 0, depth: 0 };
  measureValue(value, 0, shape);
  if (shape.depth > MAX_MEASURED_DEPTH || shape.keys !== textKeys) return undefined;
  return { value, depth: shape.depth };
}

function startsWithBrace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0x7b) return true; // {
    if (unit !== 0x20 && unit !== 0x0a && unit !== 0x0d) return false;
  }
  return false;
}

/**
 * Keys in a valid JSON text (-1 in some invalid ones): strings followed by a colon. A string starts at a quote outside any
 * string and ends at the next quote not escaped (preceded by an even number of backslashes);
 * indexOf finds quotes far faster than a loop over every character.
 */
function countTextKeys(text: string): number {
  let keys = 0;
  let open = text.indexOf('"');
  while (open !== -1) {
    let close = text.indexOf('"', open + 1);
    while (close !== -1 && isEscaped(text, close)) close = text.indexOf('"', close + 1);
    if (close === -1) return -1;
    let next = close + 1;
    let unit = text.charCodeAt(next);
    while (unit === 0x20 || unit === 0x0a || unit === 0x0d) unit = text.charCodeAt(++next);
    if (unit === 0x3a) keys++;
    open = text.indexOf('"', next);
  }
  return keys;
}

/** Whether the quote at `at` follows an odd number of backslashes. */
function isEscaped(text: string, at: number): boolean {
  let backslashes = 0;
  for (let i = at - 1; text.charCodeAt(i) === 0x5c; i--) backslashes++;
  return backslashes % 2 === 1;
}

/** Own keys in a parsed value and how deep its mappings and sequences nest. */
interface Shape {
  keys: number;
  depth: number;
}

/** Counts keys and depth of what JSON.parse gave (plain objects and arrays only), without recursion limits of its own. */
function measureValue(value: unknown, depth: number, shape: Shape): void {
  if (typeof value !== 'object' || value === null) return;
  if (depth > shape.depth) shape.depth = depth;
  // Deeper than any Kubernetes object: the caller's depth check refuses it before the stack is at risk.
  if (depth > MAX_MEASURED_DEPTH) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) measureValue(value[i], depth + 1, shape);
    return;
  }
  // Object.values over a fresh JSON.parse result: own keys only, several times faster than for…in.
  const values = Object.values(value);
  shape.keys += values.length;
  for (let i = 0; i < values.length; i++) measureValue(values[i], depth + 1, shape);
}

const MAX_MEASURED_DEPTH = 200;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// The fast way into a file that is one JSON object (what `kubectl get -o json` and generators write):
// JSON.parse, an order of magnitude faster than composing YAML. JSON.parse keeps the last of two equal
// keys where YAML refuses them, so the keys of the text are counted and compared with the keys of
// the value: fewer in the value means a duplicate. Anything unusual answers undefined and the caller
// reads the file with the careful YAML reader, which gives the errors users know (file, document, line).

/** A mapping, or undefined: not JSON, not one object, duplicate keys, or a form left to the YAML reader. */
export function parsePlainJson(text: string): Record<string, unknown> | undefined {
  if (!startsWithBrace(text)) return undefined;
  // Tabs are JSON whitespace but not always YAML whitespace: such a file keeps the YAML reader's verdict.
  if (text.includes('\t')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const keys = countValueKeys(value);
  if (keys === undefined || keys !== countTextKeys(text)) return undefined;
  return value;
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
 * Keys in a valid JSON text: strings followed by a colon. A string starts at a quote outside any
 * string and ends at the next quote not escaped by a backslash.
 */
function countTextKeys(text: string): number {
  let keys = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    if (text.charCodeAt(i) !== 0x22) continue;
    // Skip to the closing quote.
    for (i++; i < length; i++) {
      const unit = text.charCodeAt(i);
      if (unit === 0x5c) i++;
      else if (unit === 0x22) break;
    }
    let j = i + 1;
    while (j < length) {
      const unit = text.charCodeAt(j);
      if (unit !== 0x20 && unit !== 0x0a && unit !== 0x0d) break;
      j++;
    }
    if (text.charCodeAt(j) === 0x3a) keys++;
  }
  return keys;
}

/**
 * Own keys in a parsed value (JSON.parse gives plain objects and arrays only). Undefined past a depth
 * no Kubernetes object reaches: the YAML reader then refuses the document with its own message.
 */
function countValueKeys(value: unknown, depth = 0): number | undefined {
  if (typeof value !== 'object' || value === null) return 0;
  if (depth > 200) return undefined;
  let keys = 0;
  if (Array.isArray(value)) {
    for (const item of value) {
      const inner = countValueKeys(item, depth + 1);
      if (inner === undefined) return undefined;
      keys += inner;
    }
    return keys;
  }
  for (const key in value) {
    keys++;
    const inner = countValueKeys(value[key as keyof typeof value], depth + 1);
    if (inner === undefined) return undefined;
    keys += inner;
  }
  return keys;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// JSON with object keys sorted: equal values give equal strings, whatever order their keys were
// written in. Used to compare translated fields and to group equal selectors and matchers.
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    const keys = Object.keys(value);
    // Sorting allocates even for one key; most of these objects have one or two.
    if (keys.length > 1) keys.sort();
    for (const key of keys) {
      const child = (value as Record<string, unknown>)[key];
      if (child !== undefined) out[key] = sortKeys(child);
    }
    return out;
  }
  return value;
}

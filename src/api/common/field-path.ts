// One notation for the place of a field in every message: `spec.destinations[0].weight`.

/** A schema issue's path (keys and indices) as `spec.destinations[0].weight`; empty for the object itself. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${String(key)}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text;
}

// The one stable order of objects in every output: by apiVersion, kind, namespace, name.
import type { KubeObject } from '../api/meta.ts';

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Field by field, which orders as comparing `apiVersion\0kind\0namespace\0name` would (no field
// holds a NUL), without building that string per comparison.
export function compareObjects(a: KubeObject, b: KubeObject): number {
  return (
    compareStrings(a.apiVersion, b.apiVersion) ||
    compareStrings(a.kind, b.kind) ||
    compareStrings(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    compareStrings(a.metadata.name, b.metadata.name)
  );
}

function byName(a: KubeObject, b: KubeObject): number {
  return compareStrings(a.metadata.name, b.metadata.name);
}

/** Whether the list is already in compareObjects order (outputs often are: then nothing is moved). */
function isSorted(objects: readonly KubeObject[]): boolean {
  for (let i = 1; i < objects.length; i++) {
    const previous = objects[i - 1];
    const current = objects[i];
    if (previous !== undefined && current !== undefined && compareObjects(previous, current) > 0) return false;
  }
  return true;
}

function isSortedByName(group: readonly KubeObject[]): boolean {
  for (let i = 1; i < group.length; i++) {
    const previous = group[i - 1];
    const current = group[i];
    if (previous !== undefined && current !== undefined && previous.metadata.name > current.metadata.name) return false;
  }
  return true;
}

/** Entries of a map, sorted by key. */
function sortedEntries<V>(map: ReadonlyMap<string, V>): [string, V][] {
  const entries = [...map];
  if (entries.length > 1) entries.sort(([a], [b]) => compareStrings(a, b));
  return entries;
}

/**
 * Sorted (stably) by compareObjects. Objects are grouped by apiVersion, then kind, then namespace
 * (maps keyed by the strings the objects hold: no key is built per object), the few groups sorted,
 * then each group by name, which skips the long prefix an output's objects share.
 */
export function sortObjects<T extends KubeObject>(objects: readonly T[]): T[] {
  if (isSorted(objects)) return [...objects];
  const groups = new Map<string, Map<string, Map<string, T[]>>>();
  for (const object of objects) {
    let kinds = groups.get(object.apiVersion);
    if (kinds === undefined) {
      kinds = new Map();
      groups.set(object.apiVersion, kinds);
    }
    let namespaces = kinds.get(object.kind);
    if (namespaces === undefined) {
      namespaces = new Map();
      kinds.set(object.kind, namespaces);
    }
    const namespace = object.metadata.namespace ?? '';
    const group = namespaces.get(namespace);
    if (group === undefined) namespaces.set(namespace, [object]);
    else group.push(object);
  }
  const sorted: T[] = [];
  for (const [, kinds] of sortedEntries(groups)) {
    for (const [, namespaces] of sortedEntries(kinds)) {
      for (const [, group] of sortedEntries(namespaces)) {
        if (!isSortedByName(group)) group.sort(byName);
        for (const object of group) sorted.push(object);
      }
    }
  }
  return sorted;
}

// The one stable order of objects in every output: by apiVersion, kind, namespace, name.
import type { KubeObject } from '../api/meta.ts';

function key(object: KubeObject): string {
  return [object.apiVersion, object.kind, object.metadata.namespace ?? '', object.metadata.name].join('\u0000');
}

export function compareObjects(a: KubeObject, b: KubeObject): number {
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function sortObjects<T extends KubeObject>(objects: readonly T[]): T[] {
  return [...objects].sort(compareObjects);
}

// The string keys Mesh Hub uses for objects. Status maps and lists use the Gloo Mesh 1.x key format
// `<name>.<namespace>.` (a management-cluster object with no cluster name), so tools reading
// `status.destinations` or `status.workloads` keep working.
import type { ObjectMeta } from '../api/meta.ts';

interface Named {
  readonly metadata: Pick<ObjectMeta, 'name' | 'namespace'>;
}

/** `reviews-bookinfo-cluster-1.gloo-mesh.`: the key of a management-plane object in a status. */
export function statusKey(object: Named): string {
  return `${object.metadata.name}.${object.metadata.namespace ?? ''}.`;
}

/** Internal key of a namespaced object on the management cluster. */
export function refKey(ref: { readonly name: string; readonly namespace?: string | undefined }): string {
  return `${ref.namespace ?? ''}/${ref.name}`;
}

export function objectRefKey(object: Named): string {
  return refKey(object.metadata);
}

/** Internal key of an object in a registered cluster. */
export function clusterObjectKey(cluster: string, namespace: string, name: string): string {
  return `${cluster}/${namespace}/${name}`;
}

/** A plain ObjectRef of a management-plane object. */
export function objectRef(object: Named): { name: string; namespace: string } {
  return { name: object.metadata.name, namespace: object.metadata.namespace ?? '' };
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// The key of one resource anywhere in the estate: (cluster, group, kind, namespace, name). Typed
// collections, statuses and outputs are keyed by it from the input boundary on, so results are
// found by what they are, never by their position in a list.

/** The cluster part of a resource key for objects on the management cluster. */
export const MANAGEMENT_CLUSTER = '';

declare const resourceKeyBrand: unique symbol;
/** `<cluster>/<group>/<kind>/<namespace>/<name>`; built only by resourceKey. */
export type ResourceKey = string & { readonly [resourceKeyBrand]: true };

export interface KeyedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string | undefined };
}

export function resourceKey(cluster: string, object: KeyedObject): ResourceKey {
  const slash = object.apiVersion.indexOf('/');
  const group = slash === -1 ? '' : object.apiVersion.slice(0, slash);
  // The one place a string becomes a ResourceKey: the brand says it was built here.
  return `${cluster}/${group}/${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}` as ResourceKey;
}

/** The key of an object on the management cluster. */
export function managementKey(object: KeyedObject): ResourceKey {
  return resourceKey(MANAGEMENT_CLUSTER, object);
}

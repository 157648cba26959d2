// Names of translated objects that are not named after one Service in its own namespace.
import { sanitizeName } from '../../discovery/names.ts';

/**
 * `<name>-<namespace>[-<cluster>]`, as Gloo Mesh names federated VirtualServices and
 * DestinationRules (DESIGN.md §1), made a valid DNS-1123 name the way discovered names are.
 */
export function federatedName(ref: {
  readonly name: string;
  readonly namespace: string;
  readonly cluster?: string;
}): string {
  return sanitizeName([ref.name, ref.namespace, ...(ref.cluster === undefined ? [] : [ref.cluster])].join('-'));
}

// VirtualServices already in a cluster that Mesh Hub did not write. Istio does not merge two
// VirtualServices for one host on sidecars (istioctl analyze reports IST0109), so Mesh Hub writes
// none for a host that one of them routes, and says so on the policies it could not apply.
import { OWNER_LABEL } from '../../../api/labels.ts';
import type { KubeObject } from '../../../api/meta.ts';
import type { NetworkingIndex } from '../../networking-index.ts';

export interface ExistingVirtualService {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  readonly hosts: readonly string[];
  /** Absent or including `mesh`: the VirtualService applies to sidecars. */
  readonly gateways?: readonly string[];
}

export interface ExistingVirtualServiceIndex {
  /** The existing VirtualService that routes `host` for sidecars of `cluster`, if any. */
  find(cluster: string, host: string): ExistingVirtualService | undefined;
}

/** A VirtualService host as Istio reads it: short names are relative to the VirtualService's namespace. */
function qualify(host: string, namespace: string, clusterDomain: string): string {
  if (host.startsWith('*')) return host;
  const parts = host.split('.');
  if (parts.length === 1) return `${host}.${namespace}.svc.${clusterDomain}`;
  if (parts.length === 2) return `${host}.svc.${clusterDomain}`;
  return host;
}

export function indexExistingVirtualServices(
  virtualServices: readonly ExistingVirtualService[],
  clusterDomainOf: (cluster: string) => string,
): ExistingVirtualServiceIndex {
  const exact = new Map<string, ExistingVirtualService>();
  const wildcards = new Map<string, { suffix: string; virtualService: ExistingVirtualService }[]>();
  const sorted = [...virtualServices].sort((a, b) => {
    const ka = `${a.cluster}/${a.namespace}/${a.name}`;
    const kb = `${b.cluster}/${b.namespace}/${b.name}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  for (const virtualService of sorted) {
    const gateways = virtualService.gateways ?? [];
    if (gateways.length > 0 && !gateways.includes('mesh')) continue;
    for (const host of virtualService.hosts) {
      const fqdn = qualify(host, virtualService.namespace, clusterDomainOf(virtualService.cluster));
      if (fqdn === '*') {
        const list = wildcards.get(virtualService.cluster) ?? [];
        list.push({ suffix: '', virtualService });
        wildcards.set(virtualService.cluster, list);
      } else if (fqdn.startsWith('*.')) {
        const list = wildcards.get(virtualService.cluster) ?? [];
        list.push({ suffix: fqdn.slice(1), virtualService });
        wildcards.set(virtualService.cluster, list);
      } else {
        const key = `${virtualService.cluster}\u0000${fqdn}`;
        if (!exact.has(key)) exact.set(key, virtualService);
      }
    }
  }
  return {
    find: (cluster, host) =>
      exact.get(`${cluster}\u0000${host}`) ??
      wildcards.get(cluster)?.find((w) => host.endsWith(w.suffix))?.virtualService,
  };
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A VirtualService this installation wrote (its owner label): not one that exists beside its own. */
export function isOwnVirtualService(object: KubeObject, installNamespace: string): boolean {
  return object.kind === 'VirtualService' && object.metadata.labels?.[OWNER_LABEL] === installNamespace;
}

/** VirtualServices of the registered clusters that this installation did not write (no owner label of it). */
export function existingVirtualServicesIn(index: NetworkingIndex): ExistingVirtualService[] {
  return index.clusterObjectsOfKind('networking.istio.io', 'VirtualService').flatMap(({ cluster, object }) => {
    if (isOwnVirtualService(object, index.installNamespace)) return [];
    const spec: unknown = object['spec'];
    const gateways = strings(isRecord(spec) ? spec['gateways'] : undefined);
    return [
      {
        cluster,
        namespace: object.metadata.namespace ?? 'default',
        name: object.metadata.name,
        hosts: strings(isRecord(spec) ? spec['hosts'] : undefined),
        ...(gateways.length > 0 ? { gateways } : {}),
      },
    ];
  });
}

const indexed = new WeakMap<NetworkingIndex, ExistingVirtualServiceIndex>();

/** The index of one pass's existing VirtualServices, built once per pass on first use. */
export function existingVirtualServicesOf(index: NetworkingIndex): ExistingVirtualServiceIndex {
  let found = indexed.get(index);
  if (found === undefined) {
    found = indexExistingVirtualServices(existingVirtualServicesIn(index), index.clusterDomainOf);
    indexed.set(index, found);
  }
  return found;
}

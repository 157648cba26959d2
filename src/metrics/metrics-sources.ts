// Where each registered cluster's metrics come from: the Prometheus URL on its KubernetesCluster
// (annotation metrics.meshhub.dev/prometheus-url), else the Prometheus Service next to its mesh
// (Istio: `<mesh namespace>/prometheus:9090`, Linkerd: `linkerd-viz/prometheus:9090`, OSM:
// `<mesh namespace>/osm-prometheus:7070`) reached through the cluster's API server service proxy.
// Pure.
import { DISCOVERY_CLUSTER_LABEL, METRICS_PROMETHEUS_URL_ANNOTATION } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import type { MeshKind } from './promql.ts';

export type MetricsSource =
  | { readonly via: 'url'; readonly url: string }
  | { readonly via: 'service-proxy'; readonly namespace: string; readonly service: string; readonly port: number };

export interface ClusterMeshes {
  readonly kinds: readonly MeshKind[];
  /** The default source: the Prometheus Service of the first mesh (by kind order). */
  readonly defaultSource: MetricsSource | undefined;
}

interface MeshFields {
  spec?: Partial<Record<'istio' | 'linkerd' | 'osm', { installation?: { namespace?: string; cluster?: string } }>>;
}

const KIND_ORDER: readonly MeshKind[] = ['istio', 'linkerd', 'osm'];

function defaultService(kind: MeshKind, meshNamespace: string | undefined): MetricsSource {
  switch (kind) {
    case 'istio':
      return { via: 'service-proxy', namespace: meshNamespace ?? 'istio-system', service: 'prometheus', port: 9090 };
    case 'linkerd':
      return { via: 'service-proxy', namespace: 'linkerd-viz', service: 'prometheus', port: 9090 };
    case 'osm':
      return { via: 'service-proxy', namespace: meshNamespace ?? 'osm-system', service: 'osm-prometheus', port: 7070 };
  }
}

/** The mesh kinds discovered on a cluster, and the Prometheus Service that would serve them. */
export function clusterMeshes(meshes: readonly KubeObject[], cluster: string): ClusterMeshes {
  const found = new Map<MeshKind, string | undefined>();
  for (const mesh of meshes) {
    const spec = (mesh as MeshFields).spec ?? {};
    for (const kind of KIND_ORDER) {
      const installation = spec[kind]?.installation;
      if (spec[kind] === undefined) continue;
      const meshCluster = mesh.metadata.labels?.[DISCOVERY_CLUSTER_LABEL] ?? installation?.cluster;
      if (meshCluster === cluster && !found.has(kind)) found.set(kind, installation?.namespace);
    }
  }
  const kinds = KIND_ORDER.filter((kind) => found.has(kind));
  const first = kinds[0];
  return { kinds, defaultSource: first === undefined ? undefined : defaultService(first, found.get(first)) };
}

/** The explicit source on a KubernetesCluster, an error naming the field, or undefined when none is set. */
export function explicitSource(cluster: KubeObject): MetricsSource | { readonly error: string } | undefined {
  const value = cluster.metadata.annotations?.[METRICS_PROMETHEUS_URL_ANNOTATION];
  if (value === undefined || value.trim() === '') return undefined;
  const where = `KubernetesCluster ${cluster.metadata.namespace ?? ''}/${cluster.metadata.name}: metadata.annotations[${METRICS_PROMETHEUS_URL_ANNOTATION}]`;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return { error: `${where}: not a URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: `${where}: not an http(s) URL` };
  return { via: 'url', url: url.toString().replace(/\/$/, '') };
}

/** How a source is shown: never with credentials a URL may carry. */
export function describeSource(source: MetricsSource): string {
  switch (source.via) {
    case 'url': {
      const url = new URL(source.url);
      url.username = '';
      url.password = '';
      url.search = '';
      return url.toString().replace(/\/$/, '');
    }
    case 'service-proxy':
      return `service ${source.namespace}/${source.service}:${String(source.port)} through the API server`;
  }
}

/** The API server path of a Prometheus HTTP API call through the service proxy. */
export function serviceProxyPath(
  source: { readonly namespace: string; readonly service: string; readonly port: number },
  apiPath: string,
  query: URLSearchParams,
): string {
  const service = `${encodeURIComponent(source.service)}:${String(source.port)}`;
  return `/api/v1/namespaces/${encodeURIComponent(source.namespace)}/services/${service}/proxy${apiPath}?${query.toString()}`;
}

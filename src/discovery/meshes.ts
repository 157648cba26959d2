// Mesh detection: one Mesh per control plane Deployment — istiod (revisioned too), Linkerd's
// destination controller, OSM's controller.
import { parse as parseYaml } from 'yaml';
import type { Controller, Service } from '../api/k8s/workloads.ts';
import type { MeshSpec } from '../api/discovery/v1/mesh.ts';
import type { SettingsSpec } from '../api/settings/v1/settings.ts';
import { MESH_NAME_ANNOTATION, TRUST_DOMAIN_ANNOTATION } from '../api/labels.ts';
import type { Warning } from '../snapshot/input.ts';
import { clusterRegion, key, type ClusterIndex } from './cluster-index.ts';
import { discoveredName } from './names.ts';

export type MeshType = 'istio' | 'linkerd' | 'osm';

export interface DetectedMesh {
  readonly type: MeshType;
  readonly name: string;
  readonly cluster: string;
  readonly namespace: string;
  /** Istio revision (`istio.io/rev`), `default` for an unrevisioned istiod. */
  readonly revision: string;
  readonly spec: MeshSpec;
  /** Facts the v1 Mesh spec has no field for, kept as annotations. */
  readonly annotations: Readonly<Record<string, string>>;
}

const DEFAULT_TRUST_DOMAIN = 'cluster.local';

/** The image reference before its digest (`@sha256:…`), if it has one. */
function withoutDigest(image: string): string {
  const at = image.indexOf('@');
  return at === -1 ? image : image.slice(0, at);
}

/** The tag of a container image (`docker.io/istio/pilot:1.24.2-distroless` → `1.24.2`). */
export function imageVersion(image: string | undefined): string | undefined {
  if (image === undefined) return undefined;
  const lastSlash = image.lastIndexOf('/');
  const reference = withoutDigest(image);
  const colon = reference.lastIndexOf(':');
  if (colon <= lastSlash) return undefined;
  return reference.slice(colon + 1).replace(/-(distroless|debug)$/, '');
}

function imageRepository(image: string | undefined): string {
  const reference = withoutDigest(image ?? '');
  const lastSlash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  return colon > lastSlash ? reference.slice(0, colon) : reference;
}

function findContainer(controller: Controller, repositoryEnd: RegExp) {
  return controller.spec.template.spec.containers.find((c) => repositoryEnd.test(imageRepository(c.image)));
}

function installation(controller: Controller, index: ClusterIndex, version: string | undefined) {
  const region = clusterRegion(index);
  return {
    namespace: controller.metadata.namespace ?? 'default',
    cluster: index.cluster,
    // The selector, as Gloo Mesh 1.x reports it: it names exactly the control plane's pods, where the
    // template also carries labels (version, revision, injection markers) that other pods share.
    podLabels: { ...controller.spec.selector.matchLabels },
    ...(version === undefined ? {} : { version }),
    ...(region === undefined ? {} : { region }),
  };
}

interface IstioMeshConfig {
  trustDomain: string;
  smartDns: boolean;
}

function readIstioMeshConfig(
  controller: Controller,
  revision: string,
  index: ClusterIndex,
  warnings: Warning[],
): IstioMeshConfig {
  const namespace = controller.metadata.namespace ?? 'default';
  const configMapName = revision === 'default' ? 'istio' : `istio-${revision}`;
  const configMap =
    index.configMaps.get(key(namespace, configMapName)) ?? index.configMaps.get(key(namespace, 'istio'));
  const object = `Deployment ${namespace}/${controller.metadata.name}`;
  if (configMap?.data?.mesh === undefined) {
    warnings.push({
      cluster: index.cluster,
      object,
      message: `no mesh config (ConfigMap ${namespace}/${configMapName}, key mesh): assuming trust domain ${DEFAULT_TRUST_DOMAIN} and smart DNS off`,
    });
    return { trustDomain: DEFAULT_TRUST_DOMAIN, smartDns: false };
  }
  let mesh: unknown;
  try {
    mesh = parseYaml(configMap.data.mesh, { logLevel: 'error' });
  } catch {
    warnings.push({
      cluster: index.cluster,
      object,
      message: `mesh config in ConfigMap ${namespace}/${configMap.metadata.name} is not YAML: using defaults`,
    });
    return { trustDomain: DEFAULT_TRUST_DOMAIN, smartDns: false };
  }
  const config = (typeof mesh === 'object' && mesh !== null ? mesh : {}) as {
    trustDomain?: unknown;
    defaultConfig?: { proxyMetadata?: Record<string, unknown> };
  };
  const trustDomain =
    typeof config.trustDomain === 'string' && config.trustDomain !== '' ? config.trustDomain : DEFAULT_TRUST_DOMAIN;
  const capture = config.defaultConfig?.proxyMetadata?.ISTIO_META_DNS_CAPTURE;
  const smartDns = capture === true || capture === 'true';
  return { trustDomain, smartDns };
}

interface GatewayDetector {
  readonly labels: Readonly<Record<string, string>>;
  readonly tlsPortName: string;
}

/** Settings' ingress gateway detectors for a cluster (its own key, else `*`), or Istio's defaults. */
function gatewayDetectorFor(cluster: string, settings: SettingsSpec | undefined): GatewayDetector {
  const detectors = settings?.discovery?.istio?.ingressGatewayDetectors ?? {};
  const detector = detectors[cluster] ?? detectors['*'];
  return {
    labels: detector?.gatewayWorkloadLabels ?? { istio: 'ingressgateway' },
    tlsPortName: detector?.gatewayTlsPortName ?? 'tls',
  };
}

function selects(
  selector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (selector === undefined) return false;
  const entries = Object.entries(labels);
  return entries.length > 0 && entries.every(([k, v]) => selector[k] === v);
}

function ingressGateways(index: ClusterIndex, detector: GatewayDetector) {
  const gateways: NonNullable<NonNullable<MeshSpec['istio']>['ingressGateways']> = [];
  const nodeAddress = [...index.nodes.values()]
    .flatMap((node) => node.status?.addresses ?? [])
    .sort((a, b) => (a.type === 'ExternalIP' ? -1 : b.type === 'ExternalIP' ? 1 : 0))
    .find((a) => a.type === 'ExternalIP' || a.type === 'InternalIP')?.address;
  // Only the (few) gateway Services are sorted: the order among them is the order of all Services.
  for (const service of sortServices(index.services.filter((s) => selects(s.spec.selector, detector.labels)))) {
    const port = service.spec.ports.find((p) => p.name === detector.tlsPortName);
    if (port === undefined) continue;
    const type = service.spec.type ?? 'ClusterIP';
    const ingress = service.status?.loadBalancer?.ingress?.[0];
    let address: { ip: string } | { dnsName: string } | undefined;
    let externalPort = port.port;
    if (type === 'LoadBalancer' && ingress?.ip !== undefined) address = { ip: ingress.ip };
    else if (type === 'LoadBalancer' && ingress?.hostname !== undefined) address = { dnsName: ingress.hostname };
    else if (type === 'NodePort' && nodeAddress !== undefined && port.nodePort !== undefined) {
      address = { ip: nodeAddress };
      externalPort = port.nodePort;
    }
    if (address === undefined) continue;
    gateways.push({
      name: service.metadata.name,
      namespace: service.metadata.namespace ?? 'default',
      workloadLabels: { ...service.spec.selector },
      externalAddress: 'ip' in address ? address.ip : address.dnsName,
      ...address,
      externalTlsPort: externalPort,
      tlsContainerPort: typeof port.targetPort === 'number' ? port.targetPort : port.port,
    });
  }
  return gateways;
}

function sortServices(services: readonly Service[]): Service[] {
  return services
    .map((service) => ({ service, key: key(service.metadata.namespace, service.metadata.name) }))
    .sort((a, b) => (a.key < b.key ? -1 : 1))
    .map(({ service }) => service);
}

function isIstiod(controller: Controller): boolean {
  return findContainer(controller, /(^|\/)pilot$/) !== undefined;
}

function isLinkerdDestination(controller: Controller): boolean {
  // Linkerd 2.x runs its destination service from the controller image (linkerd/controller).
  return (
    (controller.metadata.name === 'linkerd-destination' || controller.metadata.name === 'linkerd-controller') &&
    findContainer(controller, /(^|\/)(linkerd|linkerd-io)\/controller$/) !== undefined
  );
}

function isOsmController(controller: Controller): boolean {
  return findContainer(controller, /(^|\/)osm-controller$/) !== undefined;
}

export function detectMeshes(
  index: ClusterIndex,
  settings: SettingsSpec | undefined,
  warnings: Warning[],
): DetectedMesh[] {
  const meshes: DetectedMesh[] = [];
  for (const deployment of index.deployments) {
    const namespace = deployment.metadata.namespace ?? 'default';
    // Most Deployments are applications: their name is only worked out for control planes.
    const meshName = () => discoveredName(deployment.metadata.name, namespace, index.cluster);
    if (isIstiod(deployment)) {
      const container = findContainer(deployment, /(^|\/)pilot$/);
      const revision =
        deployment.spec.template.metadata?.labels?.['istio.io/rev'] ??
        deployment.metadata.labels?.['istio.io/rev'] ??
        'default';
      const config = readIstioMeshConfig(deployment, revision, index, warnings);
      const gateways = ingressGateways(index, gatewayDetectorFor(index.cluster, settings));
      meshes.push({
        type: 'istio',
        name: meshName(),
        cluster: index.cluster,
        namespace,
        revision,
        spec: {
          istio: {
            installation: installation(deployment, index, imageVersion(container?.image)),
            trustDomain: config.trustDomain,
            istiodServiceAccount: deployment.spec.template.spec.serviceAccountName ?? 'default',
            smartDnsProxyingEnabled: config.smartDns,
            ...(gateways.length === 0 ? {} : { ingressGateways: gateways }),
          },
        },
        annotations: {},
      });
    } else if (isLinkerdDestination(deployment)) {
      const container = findContainer(deployment, /(^|\/)(linkerd|linkerd-io)\/controller$/);
      const values = index.configMaps.get(key(namespace, 'linkerd-config'))?.data?.values;
      let clusterDomain = 'cluster.local';
      let trustDomain = 'cluster.local';
      if (values !== undefined) {
        // A malformed config is this mesh's problem, reported on it: it must not stop the whole render.
        const parsed = readLinkerdValues(values, (reason) => {
          warnings.push({
            cluster: index.cluster,
            object: `ConfigMap ${namespace}/linkerd-config`,
            message: `data.values is not YAML (${reason}): assuming cluster domain and trust domain cluster.local`,
          });
        });
        if (typeof parsed?.clusterDomain === 'string') clusterDomain = parsed.clusterDomain;
        if (typeof parsed?.identityTrustDomain === 'string') trustDomain = parsed.identityTrustDomain;
      } else {
        warnings.push({
          cluster: index.cluster,
          object: `Deployment ${namespace}/${deployment.metadata.name}`,
          message: `no linkerd-config ConfigMap in ${namespace}: assuming cluster domain cluster.local`,
        });
      }
      meshes.push({
        type: 'linkerd',
        name: meshName(),
        cluster: index.cluster,
        namespace,
        revision: 'default',
        spec: {
          linkerd: { installation: installation(deployment, index, imageVersion(container?.image)), clusterDomain },
        },
        annotations: { [TRUST_DOMAIN_ANNOTATION]: trustDomain },
      });
    } else if (isOsmController(deployment)) {
      const container = findContainer(deployment, /(^|\/)osm-controller$/);
      meshes.push({
        type: 'osm',
        name: meshName(),
        cluster: index.cluster,
        namespace,
        revision: 'default',
        spec: { osm: { installation: installation(deployment, index, imageVersion(container?.image)) } },
        annotations: { [MESH_NAME_ANNOTATION]: deployment.metadata.labels?.meshName ?? 'osm' },
      });
    }
  }
  return meshes.sort((a, b) => (a.name < b.name ? -1 : 1));
}

function readLinkerdValues(
  values: string,
  onError: (reason: string) => void,
): { clusterDomain?: unknown; identityTrustDomain?: unknown } | undefined {
  try {
    const parsed: unknown = parseYaml(values, { logLevel: 'error' });
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch (error) {
    onError(error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error));
    return undefined;
  }
}

// Small hand-made networking inputs for unit tests: Istio meshes, Destinations and Workloads
// built directly, without discovery.
import type {
  AccessPolicy,
  Destination,
  Mesh,
  NetworkingInput,
  TrafficPolicy,
  VirtualMesh,
  Workload,
} from './model.ts';

export const NS = 'gloo-mesh';

export function istioMesh(
  cluster: string,
  options: { version?: string; trustDomain?: string; gatewayIp?: string; smartDns?: boolean } = {},
): Mesh {
  return {
    apiVersion: 'discovery.mesh.gloo.solo.io/v1',
    kind: 'Mesh',
    metadata: { name: `istiod-istio-system-${cluster}`, namespace: NS },
    spec: {
      istio: {
        installation: { cluster, namespace: 'istio-system', version: options.version ?? '1.24.2' },
        trustDomain: options.trustDomain ?? 'cluster.local',
        smartDnsProxyingEnabled: options.smartDns ?? true,
        ...(options.gatewayIp === undefined
          ? {}
          : {
              ingressGateways: [
                {
                  name: 'istio-eastwestgateway',
                  namespace: 'istio-system',
                  workloadLabels: { istio: 'eastwestgateway' },
                  externalAddress: options.gatewayIp,
                  ip: options.gatewayIp,
                  externalTlsPort: 15443,
                  tlsContainerPort: 15443,
                },
              ],
            }),
      },
    },
  };
}

/** The Destination of a mesh's east-west gateway Service (as discovery makes it for istio-proxy pods). */
export function gatewayDestination(mesh: Mesh, ip: string): Destination {
  const cluster = mesh.spec.istio?.installation?.cluster ?? '';
  return {
    apiVersion: 'discovery.mesh.gloo.solo.io/v1',
    kind: 'Destination',
    metadata: { name: `istio-eastwestgateway-istio-system-${cluster}`, namespace: NS },
    spec: {
      kubeService: {
        ref: { name: 'istio-eastwestgateway', namespace: 'istio-system', clusterName: cluster },
        labels: { istio: 'eastwestgateway' },
        workloadSelectorLabels: { istio: 'eastwestgateway' },
        ports: [{ port: 15443, name: 'tls', protocol: 'TCP', targetPortNumber: 15443 }],
        externalAddresses: [{ ip }],
        serviceType: 'LOAD_BALANCER',
      },
      mesh: { name: mesh.metadata.name, namespace: NS },
    },
  };
}

export function virtualMesh(
  name: string,
  meshes: readonly Mesh[],
  spec: Partial<VirtualMesh['spec']> = {},
  creationTimestamp?: string,
): VirtualMesh {
  return {
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind: 'VirtualMesh',
    metadata: { name, namespace: NS, generation: 1, ...(creationTimestamp === undefined ? {} : { creationTimestamp }) },
    spec: { meshes: meshes.map((m) => ({ name: m.metadata.name, namespace: NS })), ...spec },
  };
}

export function linkerdMesh(cluster: string): Mesh {
  return {
    apiVersion: 'discovery.mesh.gloo.solo.io/v1',
    kind: 'Mesh',
    metadata: { name: `linkerd-destination-linkerd-${cluster}`, namespace: NS },
    spec: { linkerd: { installation: { cluster, namespace: 'linkerd' } } },
  };
}

export function destination(
  name: string,
  namespace: string,
  cluster: string,
  options: { labels?: Record<string, string>; ports?: number[]; mesh?: Mesh } = {},
): Destination {
  const mesh = options.mesh ?? istioMesh(cluster);
  return {
    apiVersion: 'discovery.mesh.gloo.solo.io/v1',
    kind: 'Destination',
    metadata: { name: `${name}-${namespace}-${cluster}`, namespace: NS },
    spec: {
      kubeService: {
        ref: { name, namespace, clusterName: cluster },
        labels: options.labels ?? { app: name },
        workloadSelectorLabels: { app: name },
        ports: (options.ports ?? [9080]).map((port) => ({ port, name: `http-${String(port)}`, protocol: 'TCP' })),
      },
      mesh: { name: mesh.metadata.name, namespace: NS },
    },
  };
}

export function workload(
  name: string,
  namespace: string,
  cluster: string,
  options: { labels?: Record<string, string>; serviceAccount?: string; mesh?: Mesh } = {},
): Workload {
  const mesh = options.mesh ?? istioMesh(cluster);
  return {
    apiVersion: 'discovery.mesh.gloo.solo.io/v1',
    kind: 'Workload',
    metadata: { name: `${name}-${namespace}-${cluster}-deployment`, namespace: NS },
    spec: {
      kubernetes: {
        controller: { name, namespace, clusterName: cluster },
        podLabels: options.labels ?? { app: name },
        serviceAccountName: options.serviceAccount ?? name,
      },
      mesh: { name: mesh.metadata.name, namespace: NS },
    },
  };
}

export function trafficPolicy(name: string, spec: TrafficPolicy['spec'], generation = 1): TrafficPolicy {
  return {
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind: 'TrafficPolicy',
    metadata: { name, namespace: NS, generation },
    spec,
  };
}

export function accessPolicy(name: string, spec: AccessPolicy['spec']): AccessPolicy {
  return {
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind: 'AccessPolicy',
    metadata: { name, namespace: NS, generation: 1 },
    spec,
  };
}

export function networkingInput(parts: Partial<NetworkingInput>): NetworkingInput {
  return {
    installNamespace: NS,
    meshes: [],
    workloads: [],
    destinations: [],
    trafficPolicies: [],
    accessPolicies: [],
    virtualMeshes: [],
    virtualDestinations: [],
    kubernetesClusters: [],
    settings: [],
    ...parts,
  };
}

export function serviceRef(name: string, namespace: string, clusterName: string) {
  return { kubeServiceRefs: { services: [{ name, namespace, clusterName }] } };
}

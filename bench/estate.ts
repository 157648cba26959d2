// Mesh Hub's own estate generator: a deterministic multi-cluster estate at DESIGN.md §5 scale, built in
// memory as an InputSnapshot (the same shape `meshctl render` reads from files). All Istio by default;
// with `mixedMeshes`, every third cluster runs Linkerd or Open Service Mesh instead (alternately),
// shaped as discovery recognises them (testdata/discovery/linkerd-emojivoto, osm-bookstore).
import type { KubeObject } from '../src/api/meta.ts';
import type { InputObject, InputSnapshot } from '../src/snapshot/input.ts';

export interface EstateSize {
  readonly clusters: number;
  readonly servicesPerCluster: number;
  readonly workloadsPerService: number;
  readonly servicesPerNamespace: number;
  /** Every n-th Service carries `federated: "true"`, the label the bench's VirtualMesh federates. */
  readonly federateEvery: number;
  /** A third of the clusters on Linkerd and OSM (half each), the rest on Istio. */
  readonly mixedMeshes?: boolean;
}

export type EstateMesh = 'istio' | 'linkerd' | 'osm';

/** The mesh of the cluster with 0-based index `c`: with mixedMeshes, every third alternates Linkerd and OSM. */
export function meshOfCluster(c: number, size: EstateSize): EstateMesh {
  if (size.mixedMeshes !== true || c % 3 !== 2) return 'istio';
  return Math.floor(c / 3) % 2 === 0 ? 'linkerd' : 'osm';
}

/** The name discovery gives the Mesh of the cluster with 0-based index `c`. */
export function meshNameOfCluster(c: number, size: EstateSize): string {
  const cluster = `cluster-${String(c + 1)}`;
  switch (meshOfCluster(c, size)) {
    case 'istio':
      return `istiod-istio-system-${cluster}`;
    case 'linkerd':
      return `linkerd-destination-linkerd-${cluster}`;
    case 'osm':
      return `osm-controller-osm-system-${cluster}`;
  }
}

export const DESIGN_ESTATE: EstateSize = {
  clusters: 50,
  servicesPerCluster: 200,
  workloadsPerService: 2,
  servicesPerNamespace: 20,
  // 5 % of the Destinations, as in the reference estate (../shared/bench/estate.mjs).
  federateEvery: 20,
};

const wrap = (object: KubeObject): InputObject => ({ object, source: {} });

function clusterObjects(c: number, size: EstateSize): InputObject[] {
  const cluster = `cluster-${String(c + 1)}`;
  const zone = `zone-${String(c % 3)}`;
  const mesh = meshOfCluster(c, size);
  const node = wrap({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: `${cluster}-node`,
      labels: { 'topology.kubernetes.io/region': `region-${String(c % 5)}`, 'topology.kubernetes.io/zone': zone },
    },
  });
  const controlPlane =
    mesh === 'istio'
      ? istioControlPlane(c, cluster, zone)
      : mesh === 'linkerd'
        ? linkerdControlPlane()
        : osmControlPlane();
  return [node, ...controlPlane, ...applications(c, cluster, zone, mesh, size)];
}

/** Linkerd's destination controller as its chart installs it: the selector is a subset of the template's labels. */
function linkerdControlPlane(): InputObject[] {
  const selector = { 'linkerd.io/control-plane-component': 'destination', 'linkerd.io/control-plane-ns': 'linkerd' };
  return [
    wrap({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'linkerd', labels: { 'linkerd.io/is-control-plane': 'true' } },
    }),
    wrap({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'linkerd-config', namespace: 'linkerd' },
      data: { values: 'clusterDomain: cluster.local\nidentityTrustDomain: cluster.local\n' },
    }),
    wrap({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'linkerd-destination', namespace: 'linkerd', labels: selector },
      spec: {
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels: {
              ...selector,
              'linkerd.io/proxy-deployment': 'linkerd-destination',
              'linkerd.io/workload-ns': 'linkerd',
            },
          },
          spec: {
            serviceAccountName: 'linkerd-destination',
            containers: [{ name: 'destination', image: 'cr.l5d.io/linkerd/controller:edge-26.8.3' }],
          },
        },
      },
    }),
  ];
}

/** OSM's controller as `osm install` creates it (mesh name `osm`). */
function osmControlPlane(): InputObject[] {
  const labels = { app: 'osm-controller', meshName: 'osm' };
  return [
    wrap({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'osm-system' } }),
    wrap({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'osm-controller', namespace: 'osm-system', labels },
      spec: {
        selector: { matchLabels: { app: 'osm-controller' } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'osm-controller',
            containers: [{ name: 'osm-controller', image: 'openservicemesh/osm-controller:v1.2.4' }],
          },
        },
      },
    }),
  ];
}

/** An application namespace with what puts it in the cluster's mesh (injection label or annotation). */
function meshNamespace(name: string, mesh: EstateMesh): KubeObject {
  const metadata =
    mesh === 'istio'
      ? { name, labels: { 'istio-injection': 'enabled' } }
      : mesh === 'linkerd'
        ? { name, annotations: { 'linkerd.io/inject': 'enabled' } }
        : { name, labels: { 'openservicemesh.io/monitored-by': 'osm' } };
  return { apiVersion: 'v1', kind: 'Namespace', metadata };
}

/** The containers of an application pod after the mesh's injector ran. */
function injectedContainers(mesh: EstateMesh): { containers: { name: string }[]; initContainers?: { name: string }[] } {
  switch (mesh) {
    case 'istio':
      return { containers: [{ name: 'app' }, { name: 'istio-proxy' }] };
    case 'linkerd':
      return { containers: [{ name: 'app' }, { name: 'linkerd-proxy' }], initContainers: [{ name: 'linkerd-init' }] };
    case 'osm':
      return { containers: [{ name: 'app' }, { name: 'envoy' }], initContainers: [{ name: 'osm-init' }] };
  }
}

function istioControlPlane(c: number, cluster: string, zone: string): InputObject[] {
  const objects: InputObject[] = [];
  objects.push(
    wrap({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } }),
    wrap({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio', namespace: 'istio-system' },
      data: { mesh: 'trustDomain: cluster.local\n' },
    }),
    wrap({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'istiod', namespace: 'istio-system' },
      spec: {
        selector: { matchLabels: { app: 'istiod' } },
        template: {
          metadata: { labels: { app: 'istiod' } },
          spec: {
            serviceAccountName: 'istiod',
            containers: [{ name: 'discovery', image: 'docker.io/istio/pilot:1.24.2' }],
          },
        },
      },
    }),
  );
  // The east-west (and ingress) gateway: a LoadBalancer Service with a `tls` port, so Destinations
  // can be federated to and from this cluster.
  const gatewayLabels = { app: 'istio-ingressgateway', istio: 'ingressgateway' };
  const gatewayTemplate = {
    metadata: { labels: gatewayLabels },
    spec: {
      serviceAccountName: 'istio-ingressgateway-service-account',
      containers: [{ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.2' }],
    },
  };
  const gatewayPod = 'istio-ingressgateway-6b7c9d-fghij';
  const gatewayIp = `10.${c}.250.1`;
  objects.push(
    wrap({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'istio-ingressgateway', namespace: 'istio-system' },
      spec: { replicas: 1, selector: { matchLabels: gatewayLabels }, template: gatewayTemplate },
    }),
    wrap({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'istio-ingressgateway-6b7c9d',
        namespace: 'istio-system',
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: 'istio-ingressgateway', controller: true },
        ],
      },
      spec: { selector: { matchLabels: gatewayLabels }, template: gatewayTemplate },
    }),
    wrap({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: gatewayPod,
        namespace: 'istio-system',
        labels: gatewayLabels,
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'istio-ingressgateway-6b7c9d', controller: true },
        ],
      },
      spec: { ...gatewayTemplate.spec, nodeName: `${cluster}-node` },
      status: { podIP: gatewayIp },
    }),
    wrap({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'istio-ingressgateway', namespace: 'istio-system', labels: gatewayLabels },
      spec: {
        type: 'LoadBalancer',
        selector: gatewayLabels,
        ports: [{ name: 'tls', port: 15443, targetPort: 15443, nodePort: 31443 }],
      },
      status: { loadBalancer: { ingress: [{ ip: `34.100.${c}.10` }] } },
    }),
    wrap({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'istio-ingressgateway-slice',
        namespace: 'istio-system',
        labels: { 'kubernetes.io/service-name': 'istio-ingressgateway' },
      },
      ports: [{ name: 'tls', port: 15443 }],
      endpoints: [
        { addresses: [gatewayIp], nodeName: `${cluster}-node`, zone, targetRef: { kind: 'Pod', name: gatewayPod } },
      ],
    }),
  );
  return objects;
}

function applications(c: number, cluster: string, zone: string, mesh: EstateMesh, size: EstateSize): InputObject[] {
  const objects: InputObject[] = [];
  let ip = 0;
  for (let s = 0; s < size.servicesPerCluster; s++) {
    const namespace = `ns-${Math.floor(s / size.servicesPerNamespace)}`;
    if (s % size.servicesPerNamespace === 0) {
      objects.push(wrap(meshNamespace(namespace, mesh)));
    }
    const app = `svc-${s}`;
    const endpoints: unknown[] = [];
    for (let w = 0; w < size.workloadsPerService; w++) {
      const version = `v${w + 1}`;
      const deployment = `${app}-${version}`;
      const labels = { app, version };
      const template = {
        metadata: { labels },
        spec: { serviceAccountName: app, containers: [{ name: 'app', image: 'example/app:1' }] },
      };
      const rs = `${deployment}-5d8f7c`;
      const pod = `${rs}-abcde`;
      const podIp = `10.${c}.${Math.floor(ip / 250)}.${(ip % 250) + 1}`;
      ip++;
      objects.push(
        wrap({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: deployment, namespace },
          spec: { replicas: 1, selector: { matchLabels: labels }, template },
        }),
        wrap({
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            name: rs,
            namespace,
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment, controller: true }],
          },
          spec: { selector: { matchLabels: labels }, template },
        }),
        wrap({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: pod,
            namespace,
            labels: { ...labels, 'pod-template-hash': '5d8f7c' },
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, controller: true }],
          },
          spec: { serviceAccountName: app, nodeName: `${cluster}-node`, ...injectedContainers(mesh) },
          status: { podIP: podIp },
        }),
      );
      endpoints.push({ addresses: [podIp], nodeName: `${cluster}-node`, zone, targetRef: { kind: 'Pod', name: pod } });
    }
    objects.push(
      wrap({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: app,
          namespace,
          labels: { app, ...(s % size.federateEvery === size.federateEvery - 1 ? { federated: 'true' } : {}) },
        },
        spec: { selector: { app }, ports: [{ name: 'http', port: 8080 }] },
      }),
      wrap({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `${app}-slice`, namespace, labels: { 'kubernetes.io/service-name': app } },
        ports: [{ name: 'http', port: 8080 }],
        endpoints,
      }),
    );
  }
  return objects;
}

export function generateEstate(size: EstateSize = DESIGN_ESTATE): InputSnapshot {
  const clusters = new Map<string, readonly InputObject[]>();
  for (let c = 0; c < size.clusters; c++) clusters.set(`cluster-${c + 1}`, clusterObjects(c, size));
  return { installNamespace: 'gloo-mesh', mgmt: [], clusters };
}

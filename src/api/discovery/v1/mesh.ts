// Mesh (discovery.mesh.gloo.solo.io/v1): a discovered service-mesh control plane.
import { z } from 'zod';
import { defineKind } from '../../kind.ts';
import { AppliedRef, ObjectRef } from '../../common/refs.ts';
import { Int64, oneOf, StringMap, UInt32 } from '../../common/scalars.ts';
import { VirtualMeshSpec } from '../../networking/v1/virtual-mesh.ts';

export const MeshInstallation = z.strictObject({
  namespace: z.string().optional(),
  cluster: z.string().optional(),
  podLabels: StringMap.optional(),
  version: z.string().optional(),
  region: z.string().optional(),
});
export type MeshInstallation = z.infer<typeof MeshInstallation>;

export const IngressGatewayInfo = z
  .strictObject({
    name: z.string().optional(),
    namespace: z.string().optional(),
    workloadLabels: StringMap.optional(),
    externalAddress: z.string().optional(),
    dnsName: z.string().optional(),
    ip: z.string().optional(),
    externalTlsPort: UInt32.optional(),
    tlsContainerPort: UInt32.optional(),
  })
  .superRefine(oneOf(['dnsName', 'ip']));

export const IstioMesh = z.strictObject({
  installation: MeshInstallation.optional(),
  trustDomain: z.string().optional(),
  istiodServiceAccount: z.string().optional(),
  ingressGateways: z.array(IngressGatewayInfo).optional(),
  smartDnsProxyingEnabled: z.boolean().optional(),
});

export const MeshSpec = z
  .strictObject({
    istio: IstioMesh.optional(),
    awsAppMesh: z
      .strictObject({
        awsName: z.string().optional(),
        region: z.string().optional(),
        awsAccountId: z.string().optional(),
        arn: z.string().optional(),
        clusters: z.array(z.string()).optional(),
      })
      .optional(),
    linkerd: z
      .strictObject({ installation: MeshInstallation.optional(), clusterDomain: z.string().optional() })
      .optional(),
    consulConnect: z.strictObject({ installation: MeshInstallation.optional() }).optional(),
    osm: z.strictObject({ installation: MeshInstallation.optional() }).optional(),
    agentInfo: z.strictObject({ agentNamespace: z.string().optional() }).optional(),
  })
  .superRefine(oneOf(['istio', 'awsAppMesh', 'linkerd', 'consulConnect', 'osm']));
export type MeshSpec = z.infer<typeof MeshSpec>;

export const MeshStatus = z.strictObject({
  observedGeneration: Int64.optional(),
  appliedVirtualMesh: z
    .strictObject({ ref: ObjectRef.optional(), observedGeneration: Int64.optional(), spec: VirtualMeshSpec.optional() })
    .optional(),
  appliedVirtualDestinations: z.array(AppliedRef).optional(),
  appliedEastWestIngressGateways: z
    .array(
      z.strictObject({
        destinationRef: ObjectRef.optional(),
        externalAddresses: z.array(z.string()).optional(),
        destinationPort: UInt32.optional(),
        containerPort: UInt32.optional(),
      }),
    )
    .optional(),
});
export type MeshStatus = z.infer<typeof MeshStatus>;

export const meshKind = defineKind({
  group: 'discovery.mesh.gloo.solo.io',
  version: 'v1',
  kind: 'Mesh',
  plural: 'meshes',
  singular: 'mesh',
  shortNames: [],
  scope: 'Namespaced',
  description: 'A discovered service-mesh control plane (Istio, Linkerd, Open Service Mesh) in one cluster.',
  spec: MeshSpec,
  status: MeshStatus,
  printerColumns: [
    { name: 'Istio-Cluster', type: 'string', jsonPath: '.spec.istio.installation.cluster', priority: 1 },
    { name: 'Istio-Version', type: 'string', jsonPath: '.spec.istio.installation.version', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

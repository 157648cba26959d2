// Destination (discovery.mesh.gloo.solo.io/v1): a discovered Service in front of mesh Workloads.
import { z } from 'zod';
import { defineKind } from '../../kind.ts';
import { ClusterObjectRef, ObjectRef } from '../../common/refs.ts';
import { Int64, oneOf, StringMap, UInt32 } from '../../common/scalars.ts';
import { TCPKeepalive } from '../../common/selectors.ts';
import { AccessPolicySpec } from '../../networking/v1/access-policy.ts';
import { MultiDestination, TrafficPolicySpec } from '../../networking/v1/traffic-policy.ts';

export const KubeServicePort = z
  .strictObject({
    port: UInt32.optional(),
    name: z.string().optional(),
    protocol: z.string().optional(),
    appProtocol: z.string().optional(),
    targetPortName: z.string().optional(),
    targetPortNumber: UInt32.optional(),
    nodePort: UInt32.optional(),
  })
  .superRefine(oneOf(['targetPortName', 'targetPortNumber']));

export const ExternalAddress = z
  .strictObject({ dnsName: z.string().optional(), ip: z.string().optional() })
  .superRefine(oneOf(['dnsName', 'ip']));

export const EndpointPort = z.strictObject({
  port: UInt32.optional(),
  name: z.string().optional(),
  protocol: z.string().optional(),
  appProtocol: z.string().optional(),
});

export const EndpointsSubset = z.strictObject({
  endpoints: z
    .array(
      z.strictObject({
        ipAddress: z.string().optional(),
        labels: StringMap.optional(),
        subLocality: z.strictObject({ zone: z.string().optional(), subZone: z.string().optional() }).optional(),
      }),
    )
    .optional(),
  ports: z.array(EndpointPort).optional(),
});

export const ServiceType = z.enum(['CLUSTER_IP', 'NODE_PORT', 'LOAD_BALANCER', 'EXTERNAL_NAME']);

export const KubeService = z.strictObject({
  ref: ClusterObjectRef.optional(),
  workloadSelectorLabels: StringMap.optional(),
  labels: StringMap.optional(),
  ports: z.array(KubeServicePort).optional(),
  subsets: z.record(z.string(), z.strictObject({ values: z.array(z.string()).optional() })).optional(),
  region: z.string().optional(),
  endpointSubsets: z.array(EndpointsSubset).optional(),
  externalAddresses: z.array(ExternalAddress).optional(),
  serviceType: ServiceType.optional(),
});
export type KubeService = z.infer<typeof KubeService>;

export const ExternalService = z.strictObject({
  name: z.string().optional(),
  hosts: z.array(z.string()).optional(),
  addresses: z.array(z.string()).optional(),
  ports: z
    .array(z.strictObject({ number: UInt32.optional(), name: z.string().optional(), protocol: z.string().optional() }))
    .optional(),
  endpoints: z
    .array(z.strictObject({ address: z.string().optional(), ports: z.record(z.string(), UInt32).optional() }))
    .optional(),
});

export const DestinationSpec = z
  .strictObject({
    kubeService: KubeService.optional(),
    externalService: ExternalService.optional(),
    mesh: ObjectRef.optional(),
  })
  .superRefine(oneOf(['kubeService', 'externalService']));
export type DestinationSpec = z.infer<typeof DestinationSpec>;

export const RequiredSubsets = z.strictObject({
  trafficPolicyRef: ObjectRef.optional(),
  observedGeneration: Int64.optional(),
  trafficShift: MultiDestination.optional(),
});

export const DestinationStatus = z.strictObject({
  observedGeneration: Int64.optional(),
  appliedTrafficPolicies: z
    .array(
      z.strictObject({
        ref: ObjectRef.optional(),
        observedGeneration: Int64.optional(),
        spec: TrafficPolicySpec.optional(),
      }),
    )
    .optional(),
  appliedAccessPolicies: z
    .array(
      z.strictObject({
        ref: ObjectRef.optional(),
        observedGeneration: Int64.optional(),
        spec: AccessPolicySpec.optional(),
      }),
    )
    .optional(),
  localFqdn: z.string().optional(),
  appliedFederation: z
    .strictObject({
      federatedHostname: z.string().optional(),
      federatedToMeshes: z.array(ObjectRef).optional(),
      flatNetwork: z.boolean().optional(),
      virtualMeshRef: ObjectRef.optional(),
      tcpKeepalive: TCPKeepalive.optional(),
    })
    .optional(),
  requiredSubsets: z.array(RequiredSubsets).optional(),
});
export type DestinationStatus = z.infer<typeof DestinationStatus>;

export const destinationKind = defineKind({
  group: 'discovery.mesh.gloo.solo.io',
  version: 'v1',
  kind: 'Destination',
  plural: 'destinations',
  singular: 'destination',
  shortNames: [],
  scope: 'Namespaced',
  description: 'A discovered Kubernetes Service in front of mesh Workloads; policies select Destinations.',
  spec: DestinationSpec,
  status: DestinationStatus,
  printerColumns: [
    { name: 'Cluster', type: 'string', jsonPath: '.spec.kubeService.ref.clusterName' },
    { name: 'Namespace', type: 'string', jsonPath: '.spec.kubeService.ref.namespace', priority: 1 },
    { name: 'Mesh', type: 'string', jsonPath: '.spec.mesh.name' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

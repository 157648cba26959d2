// VirtualDestination (networking.enterprise.mesh.gloo.solo.io/v1beta1): one global host, several clusters.
import { z } from 'zod';
import { defineKind } from '../../kind.ts';
import { ClusterObjectRef, ObjectRef } from '../../common/refs.ts';
import { Int64, oneOf, UInt32 } from '../../common/scalars.ts';
import { ApprovalState, ApprovalStatus, DestinationSelector } from '../../common/selectors.ts';
import { RequiredSubsets } from '../../discovery/v1/destination.ts';
import { OutlierDetection } from '../../networking/v1/traffic-policy.ts';

export const BackingDestination = z.strictObject({ kubeService: ClusterObjectRef.optional() });

const Locality = z.strictObject({
  region: z.string().optional(),
  zone: z.string().optional(),
  subZone: z.string().optional(),
});

export const VirtualDestinationSpec = z
  .strictObject({
    hostname: z.string().optional(),
    port: z
      .strictObject({
        number: UInt32.optional(),
        protocol: z.string().optional(),
        targetName: z.string().optional(),
        targetNumber: UInt32.optional(),
      })
      .superRefine(oneOf(['targetName', 'targetNumber']))
      .optional(),
    virtualMesh: ObjectRef.optional(),
    meshList: z.strictObject({ meshes: z.array(ObjectRef).optional() }).optional(),
    static: z.strictObject({ destinations: z.array(BackingDestination).optional() }).optional(),
    localized: z
      .strictObject({
        destinationSelectors: z.array(DestinationSelector).optional(),
        failoverDirectives: z
          .array(z.strictObject({ from: Locality.optional(), to: z.array(Locality).optional() }))
          .optional(),
        outlierDetection: OutlierDetection.optional(),
      })
      .optional(),
  })
  .superRefine(oneOf(['virtualMesh', 'meshList']))
  .superRefine(oneOf(['static', 'localized']));
export type VirtualDestinationSpec = z.infer<typeof VirtualDestinationSpec>;

export const VirtualDestinationStatus = z.strictObject({
  observedGeneration: Int64.optional(),
  state: ApprovalState.optional(),
  meshes: z.record(z.string(), ApprovalStatus).optional(),
  selectedDestinations: z
    .array(z.strictObject({ ref: ClusterObjectRef.optional(), destination: BackingDestination.optional() }))
    .optional(),
  errors: z.array(z.string()).optional(),
  requiredSubsets: z.array(RequiredSubsets).optional(),
});

export const virtualDestinationKind = defineKind({
  group: 'networking.enterprise.mesh.gloo.solo.io',
  version: 'v1beta1',
  kind: 'VirtualDestination',
  plural: 'virtualdestinations',
  singular: 'virtualdestination',
  shortNames: ['vd'],
  scope: 'Namespaced',
  description: 'One global host name backed by Destinations in several clusters, with failover between them.',
  spec: VirtualDestinationSpec,
  status: VirtualDestinationStatus,
  printerColumns: [
    { name: 'Hostname', type: 'string', jsonPath: '.spec.hostname' },
    { name: 'State', type: 'string', jsonPath: '.status.state' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

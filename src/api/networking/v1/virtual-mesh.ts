// VirtualMesh (networking.mesh.gloo.solo.io/v1): meshes grouped under one root of trust, with federation.
import { z } from 'zod';
import { defineKind } from '../../kind.ts';
import { CommonCertOptions, IntermediateCertificateAuthority } from '../../certificates/v1/cert-options.ts';
import { ObjectRef } from '../../common/refs.ts';
import { FreeForm, Int64, oneOf } from '../../common/scalars.ts';
import {
  ApprovalState,
  ApprovalStatus,
  DestinationSelector,
  IngressGatewaySelector,
  TCPKeepalive,
} from '../../common/selectors.ts';

export const RootCertificateAuthority = z
  .strictObject({ generated: CommonCertOptions.optional(), secret: ObjectRef.optional() })
  .superRefine(oneOf(['generated', 'secret']));

export const SharedTrust = z
  .strictObject({
    rootCertificateAuthority: RootCertificateAuthority.optional(),
    intermediateCertificateAuthority: IntermediateCertificateAuthority.optional(),
    intermediateCertOptions: CommonCertOptions.optional(),
  })
  .superRefine(oneOf(['rootCertificateAuthority', 'intermediateCertificateAuthority']));

export const MTLSConfig = z
  .strictObject({
    shared: SharedTrust.optional(),
    limited: z.strictObject({}).optional(),
    autoRestartPods: z.boolean().optional(),
  })
  .superRefine(oneOf(['shared', 'limited']));

export const FederationSelector = z.strictObject({
  destinationSelectors: z.array(DestinationSelector).optional(),
  meshes: z.array(ObjectRef).optional(),
});

export const Federation = z.strictObject({
  eastWestIngressGatewaySelectors: z.array(IngressGatewaySelector).optional(),
  selectors: z.array(FederationSelector).optional(),
  /** google.protobuf.Empty in upstream: present means "federate every Destination to every mesh". */
  permissive: FreeForm.optional(),
  flatNetwork: z.boolean().optional(),
  hostnameSuffix: z.string().optional(),
  tcpKeepalive: TCPKeepalive.optional(),
});

export const GlobalAccessPolicy = z.enum(['MESH_DEFAULT', 'ENABLED', 'DISABLED']);

export const VirtualMeshSpec = z.strictObject({
  meshes: z.array(ObjectRef).optional(),
  mtlsConfig: MTLSConfig.optional(),
  federation: Federation.optional(),
  globalAccessPolicy: GlobalAccessPolicy.optional(),
});
export type VirtualMeshSpec = z.infer<typeof VirtualMeshSpec>;

export const VirtualMeshStatus = z.strictObject({
  observedGeneration: Int64.optional(),
  state: ApprovalState.optional(),
  errors: z.array(z.string()).optional(),
  meshes: z.record(z.string(), ApprovalStatus).optional(),
  destinations: z.record(z.string(), ApprovalStatus).optional(),
});
export type VirtualMeshStatus = z.infer<typeof VirtualMeshStatus>;

export const virtualMeshKind = defineKind({
  group: 'networking.mesh.gloo.solo.io',
  version: 'v1',
  kind: 'VirtualMesh',
  plural: 'virtualmeshes',
  singular: 'virtualmesh',
  shortNames: ['vm'],
  scope: 'Namespaced',
  description: 'A group of Meshes with one root of trust, federation of their Destinations and optional default-deny.',
  spec: VirtualMeshSpec,
  status: VirtualMeshStatus,
  printerColumns: [
    { name: 'State', type: 'string', jsonPath: '.status.state' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

// IssuedCertificate (certificates.mesh.gloo.solo.io/v1): an intermediate CA to be issued for one mesh.
import { z } from 'zod';
import { defineKind } from '../../kind.ts';
import { ObjectRef } from '../../common/refs.ts';
import { Int64, oneOf } from '../../common/scalars.ts';
import { CommonCertOptions, IntermediateCertificateAuthority } from './cert-options.ts';

export const IssuedCertificateSpec = z
  .strictObject({
    hosts: z.array(z.string()).optional(),
    org: z.string().optional(),
    signingCertificateSecret: ObjectRef.optional(),
    issuedCertificateSecret: ObjectRef.optional(),
    podBounceDirective: ObjectRef.optional(),
    certOptions: CommonCertOptions.optional(),
    glooMeshCa: z.strictObject({ signingCertificateSecret: ObjectRef.optional() }).optional(),
    agentCa: IntermediateCertificateAuthority.optional(),
  })
  .superRefine(oneOf(['glooMeshCa', 'agentCa']));
export type IssuedCertificateSpec = z.infer<typeof IssuedCertificateSpec>;

export const IssuedCertificateState = z.enum(['PENDING', 'REQUESTED', 'ISSUED', 'FINISHED', 'FAILED']);
export type IssuedCertificateState = z.infer<typeof IssuedCertificateState>;

export const IssuedCertificateStatus = z.strictObject({
  observedGeneration: Int64.optional(),
  error: z.string().optional(),
  state: IssuedCertificateState.optional(),
});

export const issuedCertificateKind = defineKind({
  group: 'certificates.mesh.gloo.solo.io',
  version: 'v1',
  kind: 'IssuedCertificate',
  plural: 'issuedcertificates',
  singular: 'issuedcertificate',
  shortNames: [],
  scope: 'Namespaced',
  description: 'An intermediate CA certificate to issue for a mesh; its private key is made on the workload cluster.',
  spec: IssuedCertificateSpec,
  status: IssuedCertificateStatus,
  printerColumns: [
    { name: 'State', type: 'string', jsonPath: '.status.state' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

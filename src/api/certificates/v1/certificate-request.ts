// CertificateRequest (certificates.mesh.gloo.solo.io/v1): the CSR for an IssuedCertificate, and its answer.
import { z } from 'zod';
import { defineKind } from '../../kind.ts';
import { Bytes, Int64 } from '../../common/scalars.ts';

export const CertificateRequestSpec = z.strictObject({
  certificateSigningRequest: Bytes.optional(),
});

export const CertificateRequestStatus = z.strictObject({
  observedGeneration: Int64.optional(),
  error: z.string().optional(),
  state: z.enum(['PENDING', 'FINISHED', 'FAILED']).optional(),
  signedCertificate: Bytes.optional(),
  signingRootCa: Bytes.optional(),
});

export const certificateRequestKind = defineKind({
  group: 'certificates.mesh.gloo.solo.io',
  version: 'v1',
  kind: 'CertificateRequest',
  plural: 'certificaterequests',
  singular: 'certificaterequest',
  shortNames: [],
  scope: 'Namespaced',
  description: 'A certificate signing request from a workload cluster, answered by the issuer with the signed chain.',
  spec: CertificateRequestSpec,
  status: CertificateRequestStatus,
  printerColumns: [
    { name: 'State', type: 'string', jsonPath: '.status.state' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

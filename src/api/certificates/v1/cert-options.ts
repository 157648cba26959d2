// Certificate options and intermediate CA sources shared by VirtualMesh and IssuedCertificate.
import { z } from 'zod';
import { ObjectRef } from '../../common/refs.ts';
import { Bytes, Double, oneOf, UInt32 } from '../../common/scalars.ts';

export const CommonCertOptions = z.strictObject({
  ttlDays: UInt32.optional(),
  rsaKeySizeBytes: UInt32.optional(),
  orgName: z.string().optional(),
  secretRotationGracePeriodRatio: Double.min(0).max(1).optional(),
});
export type CommonCertOptions = z.infer<typeof CommonCertOptions>;

export const VaultKubernetesAuth = z
  .strictObject({
    mountPath: z.string().optional(),
    role: z.string().optional(),
    secretTokenKey: z.string().optional(),
    serviceAccountRef: ObjectRef.optional(),
    mountedSaPath: z.string().optional(),
  })
  .superRefine(oneOf(['serviceAccountRef', 'mountedSaPath']));

export const VaultCA = z
  .strictObject({
    caPath: z.string().optional(),
    csrPath: z.string().optional(),
    server: z.string().optional(),
    caBundle: Bytes.optional(),
    namespace: z.string().optional(),
    tokenSecretRef: ObjectRef.optional(),
    kubernetesAuth: VaultKubernetesAuth.optional(),
  })
  .superRefine(oneOf(['tokenSecretRef', 'kubernetesAuth']));

export const IntermediateCertificateAuthority = z.strictObject({ vault: VaultCA.optional() });

// PodBounceDirective (certificates.mesh.gloo.solo.io/v1): which pods to restart after a new root of trust.
import { z } from 'zod';
import { defineKind } from '../../kind.ts';
import { ObjectRef } from '../../common/refs.ts';
import { StringMap, UInt32 } from '../../common/scalars.ts';

export const PodBounceDirectiveSpec = z.strictObject({
  podsToBounce: z
    .array(
      z.strictObject({
        namespace: z.string().optional(),
        labels: StringMap.optional(),
        waitForReplicas: UInt32.optional(),
        rootCertSync: z
          .strictObject({
            secretRef: ObjectRef.optional(),
            secretKey: z.string().optional(),
            configMapRef: ObjectRef.optional(),
            configMapKey: z.string().optional(),
          })
          .optional(),
      }),
    )
    .optional(),
});

export const PodBounceDirectiveStatus = z.strictObject({
  podsBounced: z.array(z.strictObject({ bouncedPods: z.array(z.string()).optional() })).optional(),
  /**
   * Mesh Hub's own: pods of the last selector in podsBounced still to be restarted, because their
   * eviction was refused (a PodDisruptionBudget); retried until it is allowed.
   */
  pendingPods: z.array(z.string()).optional(),
  /** Mesh Hub's own: why the restarts are waiting, e.g. a PodDisruptionBudget refusing an eviction. */
  waiting: z.string().optional(),
});

export const podBounceDirectiveKind = defineKind({
  group: 'certificates.mesh.gloo.solo.io',
  version: 'v1',
  kind: 'PodBounceDirective',
  plural: 'podbouncedirectives',
  singular: 'podbouncedirective',
  shortNames: [],
  scope: 'Namespaced',
  description: 'Pods to restart, in order, so that they pick up a new root of trust.',
  spec: PodBounceDirectiveSpec,
  status: PodBounceDirectiveStatus,
  printerColumns: [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
});

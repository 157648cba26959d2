// KubernetesCluster (multicluster.solo.io/v1alpha1): the registration of a workload cluster.
import { z } from 'zod';
import { defineKind } from '../../kind.ts';
import { Int64 } from '../../common/scalars.ts';

export const KubernetesClusterSpec = z.strictObject({
  secretName: z.string().optional(),
  clusterDomain: z.string().optional(),
  providerInfo: z
    .strictObject({
      eks: z
        .strictObject({
          arn: z.string().optional(),
          accountId: z.string().optional(),
          region: z.string().optional(),
          name: z.string().optional(),
        })
        .optional(),
    })
    .optional(),
});
export type KubernetesClusterSpec = z.infer<typeof KubernetesClusterSpec>;

export const KubernetesClusterStatus = z.strictObject({
  status: z
    .array(
      z.strictObject({
        state: z.enum(['PENDING', 'PROCESSING', 'INVALID', 'FAILED', 'ACCEPTED']).optional(),
        message: z.string().optional(),
        observedGeneration: Int64.optional(),
        processingTime: z.string().optional(),
        owner: z.string().optional(),
      }),
    )
    .optional(),
  namespace: z.string().optional(),
  policyRules: z
    .array(
      z.strictObject({
        verbs: z.array(z.string()).optional(),
        apiGroups: z.array(z.string()).optional(),
        resources: z.array(z.string()).optional(),
        resourceNames: z.array(z.string()).optional(),
        nonResourceUrls: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});

export const kubernetesClusterKind = defineKind({
  group: 'multicluster.solo.io',
  version: 'v1alpha1',
  kind: 'KubernetesCluster',
  plural: 'kubernetesclusters',
  singular: 'kubernetescluster',
  shortNames: [],
  scope: 'Namespaced',
  description: 'A registered workload cluster; spec.secretName names the Secret holding its kubeconfig.',
  spec: KubernetesClusterSpec,
  status: KubernetesClusterStatus,
  printerColumns: [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
});

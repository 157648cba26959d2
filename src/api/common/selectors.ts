// Selectors, matchers and approval state shared by the networking kinds (common.mesh.gloo.solo.io).
import { z } from 'zod';
import { ClusterObjectRef } from './refs.ts';
import { Duration, oneOf, StringMap, UInt32 } from './scalars.ts';

export const KubeServiceMatcher = z.strictObject({
  labels: StringMap.optional(),
  namespaces: z.array(z.string()).optional(),
  clusters: z.array(z.string()).optional(),
});
export const KubeServiceRefs = z.strictObject({ services: z.array(ClusterObjectRef).optional() });

export const DestinationSelector = z.strictObject({
  kubeServiceMatcher: KubeServiceMatcher.optional(),
  kubeServiceRefs: KubeServiceRefs.optional(),
});
export type DestinationSelector = z.infer<typeof DestinationSelector>;

export const WorkloadSelector = z.strictObject({
  kubeWorkloadMatcher: z
    .strictObject({
      labels: StringMap.optional(),
      namespaces: z.array(z.string()).optional(),
      clusters: z.array(z.string()).optional(),
    })
    .optional(),
});
export type WorkloadSelector = z.infer<typeof WorkloadSelector>;

export const IdentitySelector = z.strictObject({
  kubeIdentityMatcher: z
    .strictObject({ namespaces: z.array(z.string()).optional(), clusters: z.array(z.string()).optional() })
    .optional(),
  kubeServiceAccountRefs: z.strictObject({ serviceAccounts: z.array(ClusterObjectRef).optional() }).optional(),
});
export type IdentitySelector = z.infer<typeof IdentitySelector>;

export const IngressGatewaySelector = z.strictObject({
  destinationSelectors: z.array(DestinationSelector).optional(),
  portName: z.string().optional(),
});

export const StringMatch = z
  .strictObject({
    exact: z.string().optional(),
    prefix: z.string().optional(),
    regex: z.string().optional(),
    suffix: z.string().optional(),
    ignoreCase: z.boolean().optional(),
  })
  .superRefine(oneOf(['exact', 'prefix', 'regex', 'suffix']));
export type StringMatch = z.infer<typeof StringMatch>;

export const TCPKeepalive = z.strictObject({
  probes: UInt32.optional(),
  time: Duration.optional(),
  interval: Duration.optional(),
});

export const ApprovalState = z.enum(['PENDING', 'ACCEPTED', 'INVALID', 'FAILED']);
export type ApprovalState = z.infer<typeof ApprovalState>;

export const ApprovalStatus = z.strictObject({
  acceptanceOrder: UInt32.optional(),
  state: ApprovalState.optional(),
  errors: z.array(z.string()).optional(),
  warnings: z.array(z.string()).optional(),
});
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

// AccessPolicy (networking.mesh.gloo.solo.io/v1): which identities may call which Destinations.
import { z } from 'zod';
import { defineKind } from '../../kind.ts';
import { Int64, UInt32 } from '../../common/scalars.ts';
import { ApprovalState, ApprovalStatus, DestinationSelector, IdentitySelector } from '../../common/selectors.ts';

export const AccessPolicySpec = z.strictObject({
  sourceSelector: z.array(IdentitySelector).optional(),
  destinationSelector: z.array(DestinationSelector).optional(),
  allowedPaths: z.array(z.string()).optional(),
  allowedMethods: z.array(z.string()).optional(),
  allowedPorts: z.array(UInt32).optional(),
});
export type AccessPolicySpec = z.infer<typeof AccessPolicySpec>;

export const AccessPolicyStatus = z.strictObject({
  observedGeneration: Int64.optional(),
  state: ApprovalState.optional(),
  destinations: z.record(z.string(), ApprovalStatus).optional(),
  workloads: z.array(z.string()).optional(),
  errors: z.array(z.string()).optional(),
});
export type AccessPolicyStatus = z.infer<typeof AccessPolicyStatus>;

export const accessPolicyKind = defineKind({
  group: 'networking.mesh.gloo.solo.io',
  version: 'v1',
  kind: 'AccessPolicy',
  plural: 'accesspolicies',
  singular: 'accesspolicy',
  shortNames: ['ap'],
  scope: 'Namespaced',
  description: 'Which identities (service accounts) may call which Destinations, on which paths, methods and ports.',
  spec: AccessPolicySpec,
  status: AccessPolicyStatus,
  printerColumns: [
    { name: 'State', type: 'string', jsonPath: '.status.state' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

// Role (rbac.enterprise.mesh.gloo.solo.io/v1): which policies, for which selectors and actions, a bound
// user may create, update and delete. Omitted fields inside a scope allow any value; "*" matches any value.
import { z } from 'zod';
import { defineKind } from '../../kind.ts';
import { ObjectRef } from '../../common/refs.ts';
import { Int64 } from '../../common/scalars.ts';
import { DestinationSelector, IdentitySelector, WorkloadSelector } from '../../common/selectors.ts';
import { BackingDestination } from '../../enterprise/v1beta1/virtual-destination.ts';

/** Each action names the TrafficPolicy `spec.policy` field it permits; ALL permits every field. */
export const TrafficPolicyAction = z.enum([
  'UNKNOWN_TRAFFIC_POLICY_ACTION',
  'ALL',
  'TRAFFIC_SHIFT',
  'FAULT_INJECTION',
  'REQUEST_TIMEOUT',
  'RETRIES',
  'CORS_POLICY',
  'MIRROR',
  'HEADER_MANIPULATION',
  'OUTLIER_DETECTION',
  'MTLS_CONFIG',
]);
export type TrafficPolicyAction = z.infer<typeof TrafficPolicyAction>;

/** Each action names the VirtualMesh `spec` field it permits; ALL permits every field. */
export const VirtualMeshAction = z.enum([
  'UNKNOWN_VIRTUAL_MESH_ACTION',
  'ALL',
  'MTLS_CONFIG',
  'FEDERATION',
  'GLOBAL_ACCESS_POLICY',
]);
export type VirtualMeshAction = z.infer<typeof VirtualMeshAction>;

export const TrafficPolicyScope = z.strictObject({
  trafficPolicyActions: z.array(TrafficPolicyAction).optional(),
  destinationSelectors: z.array(DestinationSelector).optional(),
  workloadSelectors: z.array(WorkloadSelector).optional(),
});
export type TrafficPolicyScope = z.infer<typeof TrafficPolicyScope>;

export const VirtualMeshScope = z.strictObject({
  virtualMeshActions: z.array(VirtualMeshAction).optional(),
  meshRefs: z.array(ObjectRef).optional(),
});
export type VirtualMeshScope = z.infer<typeof VirtualMeshScope>;

export const AccessPolicyScope = z.strictObject({
  identitySelectors: z.array(IdentitySelector).optional(),
  destinationSelectors: z.array(DestinationSelector).optional(),
});
export type AccessPolicyScope = z.infer<typeof AccessPolicyScope>;

export const VirtualDestinationScope = z.strictObject({
  virtualMeshRefs: z.array(ObjectRef).optional(),
  meshRefs: z.array(ObjectRef).optional(),
  destinationSelectors: z.array(DestinationSelector).optional(),
  destinations: z.array(BackingDestination).optional(),
});
export type VirtualDestinationScope = z.infer<typeof VirtualDestinationScope>;

/** Kept for manifests written against the full API; Mesh Hub serves neither kind, so nothing checks them. */
export const WasmDeploymentScope = z.strictObject({ workloadSelectors: z.array(WorkloadSelector).optional() });
export const AccessLogRecordScope = z.strictObject({ workloadSelectors: z.array(WorkloadSelector).optional() });

export const RoleSpec = z.strictObject({
  trafficPolicyScopes: z.array(TrafficPolicyScope).optional(),
  virtualMeshScopes: z.array(VirtualMeshScope).optional(),
  accessPolicyScopes: z.array(AccessPolicyScope).optional(),
  virtualDestinationScopes: z.array(VirtualDestinationScope).optional(),
  wasmDeploymentScopes: z.array(WasmDeploymentScope).optional(),
  accessLogRecordScopes: z.array(AccessLogRecordScope).optional(),
});
export type RoleSpec = z.infer<typeof RoleSpec>;

export const RoleStatus = z.strictObject({ observedGeneration: Int64.optional() });

export const roleKind = defineKind({
  group: 'rbac.enterprise.mesh.gloo.solo.io',
  version: 'v1',
  kind: 'Role',
  plural: 'roles',
  singular: 'role',
  shortNames: ['gmrole'],
  scope: 'Namespaced',
  description: 'Which TrafficPolicies, AccessPolicies, VirtualMeshes and VirtualDestinations a bound user may write.',
  spec: RoleSpec,
  status: RoleStatus,
  printerColumns: [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
});

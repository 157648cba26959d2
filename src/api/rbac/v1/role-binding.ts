// RoleBinding (rbac.enterprise.mesh.gloo.solo.io/v1): binds a Role to Kubernetes users, groups or
// service accounts, as the management cluster's API server authenticates them.
import { z } from 'zod';
import { defineKind } from '../../kind.ts';
import { ObjectRef } from '../../common/refs.ts';

/** skv2's TypedObjectRef: kind is User, Group or ServiceAccount (namespace only for ServiceAccount). */
export const RoleBindingSubject = z.strictObject({
  apiGroup: z.string().optional(),
  kind: z.string().optional(),
  name: z.string(),
  namespace: z.string().optional(),
});
export type RoleBindingSubject = z.infer<typeof RoleBindingSubject>;

export const RoleBindingSpec = z.strictObject({
  subjects: z.array(RoleBindingSubject).optional(),
  roleRef: ObjectRef.optional(),
});
export type RoleBindingSpec = z.infer<typeof RoleBindingSpec>;

export const RoleBindingStatus = z.strictObject({});

export const roleBindingKind = defineKind({
  group: 'rbac.enterprise.mesh.gloo.solo.io',
  version: 'v1',
  kind: 'RoleBinding',
  plural: 'rolebindings',
  singular: 'rolebinding',
  shortNames: ['gmrolebinding'],
  scope: 'Namespaced',
  description: 'Binds a Mesh Hub Role to users, groups or service accounts of the management cluster.',
  spec: RoleBindingSpec,
  status: RoleBindingStatus,
  printerColumns: [
    { name: 'Role', type: 'string', jsonPath: '.spec.roleRef.name' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

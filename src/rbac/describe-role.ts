// What a Role permits, in words, for `meshctl describe role` and the docs. Pure.
import type { RoleSpec } from '../api/rbac/v1/role.ts';
import type { NamedRole, NamedRoleBinding } from './decide.ts';
import {
  clusterRefWords,
  destinationSelectorWords,
  identitySelectorWords,
  objectRefWords,
  workloadSelectorWords,
} from './words.ts';

export interface RoleDescription {
  readonly role: string;
  /** One section per kind: what each scope permits. */
  readonly permits: readonly { readonly kind: string; readonly scopes: readonly (readonly string[])[] }[];
  readonly boundTo: readonly string[];
}

/** A scope's list, where omitted or empty means any value. */
function anyOr<T>(values: readonly T[] | undefined, words: (value: T) => string, any: string): string {
  return values === undefined || values.length === 0 ? any : values.map(words).join('; or ');
}

function actions(values: readonly string[] | undefined): string {
  const listed = (values ?? []).filter((a) => !a.startsWith('UNKNOWN'));
  if (listed.includes('ALL')) return 'every field (ALL)';
  return listed.length === 0 ? 'no field (selectors only)' : listed.join(', ');
}

function scopesOf(spec: RoleSpec): RoleDescription['permits'] {
  return [
    {
      kind: 'TrafficPolicy',
      scopes: (spec.trafficPolicyScopes ?? []).map((scope) => [
        `actions: ${actions(scope.trafficPolicyActions)}`,
        `for: ${anyOr(scope.destinationSelectors, destinationSelectorWords, 'any Destination')}`,
        `from: ${anyOr(scope.workloadSelectors, workloadSelectorWords, 'any Workload')}`,
      ]),
    },
    {
      kind: 'AccessPolicy',
      scopes: (spec.accessPolicyScopes ?? []).map((scope) => [
        `from: ${anyOr(scope.identitySelectors, identitySelectorWords, 'any identity')}`,
        `to: ${anyOr(scope.destinationSelectors, destinationSelectorWords, 'any Destination')}`,
      ]),
    },
    {
      kind: 'VirtualMesh',
      scopes: (spec.virtualMeshScopes ?? []).map((scope) => [
        `actions: ${actions(scope.virtualMeshActions)}`,
        `meshes: ${anyOr(scope.meshRefs, objectRefWords, 'any mesh')}`,
      ]),
    },
    {
      kind: 'VirtualDestination',
      scopes: (spec.virtualDestinationScopes ?? []).map((scope) => [
        `VirtualMeshes: ${anyOr(scope.virtualMeshRefs, objectRefWords, 'any')}`,
        `meshes: ${anyOr(scope.meshRefs, objectRefWords, 'any')}`,
        `localized to: ${anyOr(scope.destinationSelectors, destinationSelectorWords, 'any Destination')}`,
        `static backing: ${anyOr(
          (scope.destinations ?? []).flatMap((d) => (d.kubeService === undefined ? [] : [d.kubeService])),
          clusterRefWords,
          'any Destination',
        )}`,
      ]),
    },
  ];
}

export function describeRole(role: NamedRole, bindings: readonly NamedRoleBinding[]): RoleDescription {
  const key = `${role.metadata.namespace ?? ''}/${role.metadata.name}`;
  const boundTo = bindings
    .filter((b) => {
      const ref = b.spec.roleRef;
      return ref !== undefined && `${ref.namespace ?? b.metadata.namespace ?? ''}/${ref.name}` === key;
    })
    .flatMap((b) =>
      (b.spec.subjects ?? []).map(
        (s) =>
          `${s.kind ?? 'User'} ${s.kind === 'ServiceAccount' ? `${s.namespace ?? ''}/` : ''}${s.name} (RoleBinding ${b.metadata.namespace ?? ''}/${b.metadata.name})`,
      ),
    )
    .sort();
  return { role: key, permits: scopesOf(role.spec), boundTo };
}

export function formatRoleDescription(description: RoleDescription): string {
  const lines = [`Role ${description.role}`];
  for (const { kind, scopes } of description.permits) {
    if (scopes.length === 0) {
      lines.push(`${kind}: none may be written`);
      continue;
    }
    scopes.forEach((scope, index) => {
      lines.push(`${kind} (scope ${String(index + 1)}):`, ...scope.map((line) => `  ${line}`));
    });
  }
  lines.push(
    description.boundTo.length === 0 ? 'Bound to: nobody (no RoleBinding names it)' : 'Bound to:',
    ...description.boundTo.map((s) => `  ${s}`),
  );
  return `${lines.join('\n')}\n`;
}

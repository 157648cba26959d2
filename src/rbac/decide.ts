// The role-based API's decision: a user may write a policy object when one scope of one Role bound to
// them (by user name, group or service account) permits every action and every selector the object
// uses. Otherwise the answer names the first thing no bound Role permits. Pure: no I/O, no clock.
import type { ObjectMeta } from '../api/meta.ts';
import type { RoleBindingSpec, RoleBindingSubject } from '../api/rbac/v1/role-binding.ts';
import type { RoleSpec } from '../api/rbac/v1/role.ts';
import { requirementsOf, type PolicyCheck } from './requirements.ts';

export interface UserInfo {
  readonly username: string;
  readonly groups: readonly string[];
}

export interface NamedRole {
  readonly metadata: Pick<ObjectMeta, 'name' | 'namespace'>;
  readonly spec: RoleSpec;
}

export interface NamedRoleBinding {
  readonly metadata: Pick<ObjectMeta, 'name' | 'namespace'>;
  readonly spec: RoleBindingSpec;
}

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface PolicyObject {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
  readonly metadata?: { readonly name?: string | undefined; readonly namespace?: string | undefined } | undefined;
  readonly spec?: unknown;
}

export interface DecisionRequest {
  readonly user: UserInfo;
  readonly operation: Operation;
  /** The object as it will be (CREATE, UPDATE). */
  readonly object?: PolicyObject | undefined;
  /** The object as it is (UPDATE, DELETE). */
  readonly oldObject?: PolicyObject | undefined;
}

export type Decision =
  | { readonly allowed: true; readonly governed: false }
  | { readonly allowed: true; readonly governed: true; readonly role: string; readonly binding: string }
  | { readonly allowed: false; readonly governed: true; readonly reason: string; readonly message: string };

function subjectMatches(subject: RoleBindingSubject, user: UserInfo): boolean {
  switch (subject.kind ?? 'User') {
    case 'User':
      return subject.name === user.username;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount':
      return user.username === `system:serviceaccount:${subject.namespace ?? ''}:${subject.name}`;
    default:
      return false;
  }
}

const key = (meta: Pick<ObjectMeta, 'name' | 'namespace'>) => `${meta.namespace ?? ''}/${meta.name}`;

/** The Roles bound to a user, each with the binding that binds it, in binding-name order. */
export function boundRoles(
  user: UserInfo,
  roles: readonly NamedRole[],
  bindings: readonly NamedRoleBinding[],
): { readonly role: NamedRole; readonly binding: NamedRoleBinding }[] {
  const byKey = new Map(roles.map((role) => [key(role.metadata), role]));
  return [...bindings]
    .sort((a, b) => key(a.metadata).localeCompare(key(b.metadata)))
    .filter((binding) => (binding.spec.subjects ?? []).some((subject) => subjectMatches(subject, user)))
    .flatMap((binding) => {
      const ref = binding.spec.roleRef;
      if (ref === undefined) return [];
      // A roleRef without a namespace names a Role beside the binding.
      const role = byKey.get(`${ref.namespace ?? binding.metadata.namespace ?? ''}/${ref.name}`);
      return role === undefined ? [] : [{ role, binding }];
    });
}

function userWords(user: UserInfo): string {
  return user.groups.length === 0
    ? `user "${user.username}"`
    : `user "${user.username}" (groups ${user.groups.join(', ')})`;
}

type Verdict = { ok: true; role: string; binding: string } | { ok: false; reason: string };

/** One object against the bound Roles: the first scope permitting everything, or the first missing thing. */
export function judge(
  check: PolicyCheck,
  bound: readonly { readonly role: NamedRole; readonly binding: NamedRoleBinding }[],
): Verdict {
  const scopes = bound.flatMap(({ role, binding }) =>
    check.scopes(role.spec).map((permits) => ({ permits, role: key(role.metadata), binding: key(binding.metadata) })),
  );
  const all = check.requirements.map((_, index) => index);
  const winner = scopes.find((scope) => all.every(scope.permits));
  if (winner !== undefined) return { ok: true, role: winner.role, binding: winner.binding };
  if (scopes.length === 0)
    return {
      ok: false,
      reason: `no bound Role has ${check.field} (needed to write ${/^[AEIOU]/.test(check.kind) ? 'an' : 'a'} ${check.kind})`,
    };
  const selectors = all.filter((index) => check.requirements[index]?.kind === 'selector');
  for (const index of selectors) {
    if (!scopes.some((scope) => scope.permits(index)))
      return { ok: false, reason: `no bound Role permits ${check.requirements[index]?.words ?? ''}` };
  }
  for (const index of all.filter((i) => check.requirements[i]?.kind === 'action')) {
    if (!scopes.some((scope) => scope.permits(index) && selectors.every(scope.permits)))
      return {
        ok: false,
        reason: `no bound Role permits ${check.requirements[index]?.words ?? ''} for ${check.target}`,
      };
  }
  return {
    ok: false,
    reason: `no single scope of a bound Role permits all of: ${check.requirements.map((r) => r.words).join('; ')}`,
  };
}

const VERBS: Record<Operation, string> = { CREATE: 'create', UPDATE: 'update', DELETE: 'delete' };

/** Whether the user may perform the operation; objects the role-based API does not govern are allowed. */
export function decide(
  request: DecisionRequest,
  roles: readonly NamedRole[],
  bindings: readonly NamedRoleBinding[],
): Decision {
  const objects: { readonly object: PolicyObject; readonly which: string }[] = [];
  if (request.operation !== 'DELETE' && request.object !== undefined)
    objects.push({ object: request.object, which: '' });
  if (request.operation !== 'CREATE' && request.oldObject !== undefined)
    objects.push({ object: request.oldObject, which: request.operation === 'UPDATE' ? 'the object as it is: ' : '' });
  const first = objects[0]?.object;
  const kind = typeof first?.kind === 'string' ? first.kind : 'object';
  const name = [first?.metadata?.namespace, first?.metadata?.name].filter((part) => part !== undefined).join('/');
  const denied = (reason: string): Decision => ({
    allowed: false,
    governed: true,
    reason,
    message: `${userWords(request.user)} may not ${VERBS[request.operation]} ${kind} ${name}: ${reason}`,
  });
  const bound = boundRoles(request.user, roles, bindings);
  let allowedBy: { role: string; binding: string } | undefined;
  for (const { object, which } of objects) {
    const result = requirementsOf(object);
    if (result.outcome === 'ungoverned') continue;
    if (result.outcome === 'invalid') return denied(`${which}${result.message}`);
    if (bound.length === 0) return denied('no RoleBinding binds a Role to this user or its groups');
    const verdict = judge(result.check, bound);
    if (!verdict.ok) return denied(`${which}${verdict.reason}`);
    allowedBy ??= { role: verdict.role, binding: verdict.binding };
  }
  return allowedBy === undefined ? { allowed: true, governed: false } : { allowed: true, governed: true, ...allowedBy };
}

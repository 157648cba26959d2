// An AdmissionReview (admission.k8s.io/v1) in, the answer out: the decision for the requesting user
// (name and groups as the API server authenticated them). In permissive mode a denial is logged and
// returned as a warning, and the request is allowed. Pure.
import { z } from 'zod';
import { decide, type Decision, type NamedRole, type NamedRoleBinding } from './decide.ts';

const Meta = z.looseObject({ name: z.string().optional(), namespace: z.string().optional() });
const PolicyObject = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: Meta.optional(),
  spec: z.unknown().optional(),
});

export const AdmissionReview = z.looseObject({
  apiVersion: z.string(),
  kind: z.literal('AdmissionReview'),
  request: z.looseObject({
    uid: z.string(),
    operation: z.string(),
    userInfo: z.looseObject({ username: z.string().optional(), groups: z.array(z.string()).optional() }),
    object: PolicyObject.nullish(),
    oldObject: PolicyObject.nullish(),
  }),
});
export type AdmissionReview = z.infer<typeof AdmissionReview>;

export interface AdmissionAnswer {
  readonly review: {
    readonly apiVersion: 'admission.k8s.io/v1';
    readonly kind: 'AdmissionReview';
    readonly response: {
      readonly uid: string;
      readonly allowed: boolean;
      readonly status?: { readonly code: number; readonly reason: string; readonly message: string };
      readonly warnings?: readonly string[];
    };
  };
  readonly decision: Decision;
}

export function answerAdmissionReview(
  review: AdmissionReview,
  permissive: boolean,
  roles: readonly NamedRole[],
  bindings: readonly NamedRoleBinding[],
): AdmissionAnswer {
  const { request } = review;
  const operation = request.operation === 'UPDATE' || request.operation === 'DELETE' ? request.operation : 'CREATE';
  const decision = decide(
    {
      user: { username: request.userInfo.username ?? '', groups: request.userInfo.groups ?? [] },
      operation,
      object: request.object ?? undefined,
      oldObject: request.oldObject ?? undefined,
    },
    roles,
    bindings,
  );
  const head = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' } as const;
  if (decision.allowed) return { review: { ...head, response: { uid: request.uid, allowed: true } }, decision };
  if (permissive)
    return {
      review: {
        ...head,
        response: {
          uid: request.uid,
          allowed: true,
          warnings: [`Mesh Hub role-based API (permissive mode, would deny): ${decision.message}`],
        },
      },
      decision,
    };
  return {
    review: {
      ...head,
      response: {
        uid: request.uid,
        allowed: false,
        status: { code: 403, reason: 'Forbidden', message: decision.message },
      },
    },
    decision,
  };
}

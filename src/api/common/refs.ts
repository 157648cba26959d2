// Object references (skv2 core types).
import { z } from 'zod';
import { Int64 } from './scalars.ts';

export const ObjectRef = z.strictObject({
  name: z.string(),
  namespace: z.string().optional(),
});
export type ObjectRef = z.infer<typeof ObjectRef>;

export const ClusterObjectRef = z.strictObject({
  name: z.string(),
  namespace: z.string().optional(),
  clusterName: z.string().optional(),
});
export type ClusterObjectRef = z.infer<typeof ClusterObjectRef>;

export const ObjectRefList = z.strictObject({ refs: z.array(ObjectRef).optional() });

/** An object applied to a discovered object, with the generation seen and any errors. */
export const AppliedRef = z.strictObject({
  ref: ObjectRef.optional(),
  observedGeneration: Int64.optional(),
  errors: z.array(z.string()).optional(),
});

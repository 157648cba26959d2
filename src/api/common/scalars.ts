// Protobuf scalar encodings as the v1 API uses them in JSON (protojson).
import { z } from 'zod';

/**
 * google.protobuf.Duration: a string such as "10s", "1.5s", "100ms" or "1m30s". protojson writes
 * seconds only ("90s"); Go-style units are accepted too, as users write them in manifests.
 */
export const Duration = z
  .string()
  .regex(/^-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/, 'must be a duration such as "10s", "1.5s", "250ms" or "1m30s"');

export const UInt32 = z.number().int().min(0).max(4294967295);
export const Int32 = z.number().int().min(-2147483648).max(2147483647);
export const Int64 = z.number().int();
export const Double = z.number();
/** Proto `bytes`: base64 in JSON. */
export const Bytes = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
export const StringMap = z.record(z.string(), z.string());
/** google.protobuf.Struct / Any / Empty: free-form. */
export const FreeForm = z.record(z.string(), z.unknown());

/** A proto `oneof`: at most one of these fields may be set. */
export function oneOf<T extends Record<string, unknown>>(fields: readonly (keyof T & string)[]) {
  return (value: T, ctx: z.RefinementCtx) => {
    const set = fields.filter((field) => value[field] !== undefined);
    if (set.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [set[1] ?? ''],
        message: `only one of ${fields.join(', ')} may be set (found ${set.join(' and ')})`,
      });
    }
  };
}

// Protobuf scalar encodings as the v1 API uses them in JSON (protojson). Range errors name the API's
// type (int32, uint32, a percentage), as the API's users know it, not a JavaScript limit.
import { z } from 'zod';

const DURATION = /^-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};
/** google.protobuf.Duration holds seconds in [-315576000000, 315576000000] (about 10,000 years). */
export const MAX_DURATION_SECONDS = 315_576_000_000;

/** Seconds of a duration string ("1m30s" → 90), or undefined when it is not one. */
export function durationSeconds(value: string): number | undefined {
  if (!DURATION.test(value)) return undefined;
  let total = 0;
  for (const part of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * (UNIT_SECONDS[part[2] ?? ''] ?? 0);
  }
  return value.startsWith('-') ? -total : total;
}

/**
 * google.protobuf.Duration: a string such as "10s", "1.5s", "100ms" or "1m30s". protojson writes
 * seconds only ("90s"); Go-style units are accepted too, as users write them in manifests. Out of the
 * Duration range it is refused here: Istio and Envoy would refuse the configuration written from it.
 */
export const Duration = z
  .string()
  .regex(DURATION, 'must be a duration such as "10s", "1.5s", "250ms" or "1m30s"')
  .refine((value) => Math.abs(durationSeconds(value) ?? 0) <= MAX_DURATION_SECONDS, {
    error: (issue) =>
      `out of range for google.protobuf.Duration: at most ${String(MAX_DURATION_SECONDS)}s (about 10,000 years) either way, got ${JSON.stringify(issue.input)}`,
  });

/** `type` with its article: "a uint32", "an int32". */
const wholeNumber = (type: string, min: number, max: number) => {
  const message = `must be ${type}: a whole number from ${String(min)} to ${String(max)}`;
  return z.number().int({ error: message }).min(min, { error: message }).max(max, { error: message });
};

export const UInt32 = wholeNumber('a uint32', 0, 4294967295);
export const Int32 = wholeNumber('an int32', -2147483648, 2147483647);
/** A percentage held in a uint32 (maxEjectionPercent). */
export const UInt32Percentage = wholeNumber('a percentage (uint32)', 0, 100);
/**
 * int64. JSON numbers beyond 2^53 lose digits, so they are refused rather than rounded; generations and
 * such never come near.
 */
export const Int64 = z.number().int({
  error: (issue) =>
    typeof issue.input === 'number' && Number.isInteger(issue.input)
      ? 'must be an int64 small enough to be read exactly (at most 2^53 - 1 either way)'
      : 'must be an int64: a whole number',
});
export const Double = z.number();
/** A percentage held in a double: 0 to 100, fractions allowed. */
export const Percentage = z
  .number()
  .min(0, { error: 'must be a percentage from 0 to 100' })
  .max(100, { error: 'must be a percentage from 0 to 100' });
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

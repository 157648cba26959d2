// google.protobuf.Duration strings as the API accepts them ("10s", "1.5s", "250ms", "1m30s").
import { MAX_DURATION_SECONDS } from '../../api/common/scalars.ts';

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds, or undefined when the string is not a duration. */
export function durationMilliseconds(value: string): number | undefined {
  const match = /^(-?)((?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$/.exec(value);
  if (match === null) return undefined;
  let total = 0;
  for (const part of (match[2] ?? '').matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * (UNIT_MS[part[2] ?? ''] ?? 0);
  }
  return match[1] === '-' ? -total : total;
}

/**
 * Istio refuses durations under one millisecond wherever it takes one from a policy, and every
 * protobuf Duration past about 10,000 years (the schema refuses those first; checked here too so no
 * caller writes one).
 */
export function checkIstioDuration(value: string | undefined, path: string, errors: string[]): void {
  if (value === undefined) return;
  const ms = durationMilliseconds(value);
  if (ms === undefined) errors.push(`${path}: "${value}" is not a duration`);
  else if (ms < 1) errors.push(`${path}: must be at least 1ms (got "${value}")`);
  else if (ms > MAX_DURATION_SECONDS * 1000) {
    errors.push(
      `${path}: must be at most ${String(MAX_DURATION_SECONDS)}s, google.protobuf.Duration's limit (got "${value}")`,
    );
  }
}

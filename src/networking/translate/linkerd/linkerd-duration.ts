// Durations as Linkerd reads them: one whole number and one unit ("1500ms", "2s", "5m"). Its
// annotation parser refuses fractions and compound values, and the Gateway API field allows at most
// five digits per unit, so a policy's duration is rewritten in the largest unit that divides it.
import { durationMilliseconds } from '../../validate/durations.ts';

const UNITS: readonly (readonly [string, number])[] = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/** The duration in Linkerd's form, or an error naming the field. */
export function linkerdDuration(
  value: string,
  path: string,
): { ok: true; value: string } | { ok: false; error: string } {
  const ms = durationMilliseconds(value);
  if (ms === undefined || ms < 1) return { ok: false, error: `${path}: "${value}" is not a duration of at least 1ms` };
  if (!Number.isInteger(ms)) {
    return { ok: false, error: `${path}: Linkerd takes whole milliseconds (got "${value}")` };
  }
  for (const [unit, size] of UNITS) {
    if (ms % size !== 0) continue;
    const count = ms / size;
    if (count <= 99_999) return { ok: true, value: `${String(count)}${unit}` };
  }
  return {
    ok: false,
    error: `${path}: "${value}" cannot be written as one Linkerd duration (at most 99999 of one unit: ms, s, m or h)`,
  };
}

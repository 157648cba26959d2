// What the dashboard and `meshctl describe virtualmesh` say of an intermediate CA: issued (with the
// days left), expiring (inside the rotation window the cert agent itself uses: phases.ts
// rotationDue), expired, not issued yet, or unknown. Pure: the caller passes the validity it read
// from public data (signed-certificates.ts) and the time.
import type { ExpiryState } from './expiry-states.ts';
import { rotationDue } from './phases.ts';

const DAY_MS = 24 * 3600_000;

export type { ExpiryState } from './expiry-states.ts';

/** A certificate's validity, epoch milliseconds. */
export interface Validity {
  readonly notBefore: number;
  readonly notAfter: number;
}

export interface ExpiryInput {
  /** The signed intermediate's validity; undefined when none was signed, or it could not be read. */
  readonly validity: Validity | undefined;
  /** Why the validity could not be read (its cluster or its CertificateRequest); undefined when it was read. */
  readonly unreadable: string | undefined;
  /** The IssuedCertificate's status.state (PENDING when it has none). */
  readonly issuedState: string;
  /** The IssuedCertificate's spec.certOptions.secretRotationGracePeriodRatio, as the agent reads it. */
  readonly rotationGraceRatio: number | undefined;
  readonly now: number;
}

export interface Expiry {
  readonly state: ExpiryState;
  /** ISO 8601, when the validity is known. */
  readonly notBefore?: string;
  readonly notAfter?: string;
  /** Whole days until notAfter (negative once expired), when the validity is known. */
  readonly daysLeft?: number;
  /** One line in plain words: "expires on 2027-12-03 (in 365 days)". */
  readonly summary: string;
}

/** Whole days from `now` to `at`, rounded towards `now` (23 hours left: 0 days). */
export function daysUntil(at: number, now: number): number {
  // `+ 0` turns -0 (a few hours past) into 0.
  return Math.trunc((at - now) / DAY_MS) + 0;
}

function dayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** "in 3 days", "in under a day", "1 day ago". */
function distance(at: number, now: number): string {
  const days = daysUntil(at, now);
  if (at > now) return days === 0 ? 'in under a day' : `in ${String(days)} day${days === 1 ? '' : 's'}`;
  return days === 0 ? 'under a day ago' : `${String(-days)} day${days === -1 ? '' : 's'} ago`;
}

/** The state shown for one IssuedCertificate's intermediate CA. */
export function certificateExpiry(input: ExpiryInput): Expiry {
  const { validity, now } = input;
  if (validity === undefined) {
    // Unknown is not expired, and not "not issued" either: the agent may well hold a valid one.
    if (input.unreadable !== undefined) return { state: 'unknown', summary: `unknown: ${input.unreadable}` };
    if (input.issuedState === 'ISSUED' || input.issuedState === 'FINISHED') {
      return { state: 'unknown', summary: 'unknown: no signed certificate found for it' };
    }
    return { state: 'not-issued', summary: 'not issued yet' };
  }
  const dates = {
    notBefore: new Date(validity.notBefore).toISOString(),
    notAfter: new Date(validity.notAfter).toISOString(),
    daysLeft: daysUntil(validity.notAfter, now),
  };
  const when = `${dayOf(validity.notAfter)} (${distance(validity.notAfter, now)})`;
  if (now >= validity.notAfter) return { state: 'expired', ...dates, summary: `expired on ${when}` };
  if (rotationDue(validity.notBefore, validity.notAfter, input.rotationGraceRatio, now)) {
    return { state: 'expiring', ...dates, summary: `expiring: expires on ${when}, due for rotation` };
  }
  return { state: 'issued', ...dates, summary: `issued, expires on ${when}` };
}

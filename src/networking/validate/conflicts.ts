// Field ownership on one Destination's outputs: two policies may not set the same field of the same
// route (or of the Destination's traffic policy) to different values. Policies claim fields in the
// order of policy-order.ts; a policy that conflicts with one accepted before it is rejected on that
// Destination as a whole and claims nothing, so later policies are judged against accepted ones only.

export interface FieldClaim {
  /** Where the field lives, e.g. `route "uri prefix /api, port any"`; part of the conflict message. */
  readonly scope: string;
  /** The policy field a user wrote, e.g. `policy.requestTimeout`. */
  readonly field: string;
  /** Canonical form of the translated value: equal values do not conflict. */
  readonly value: string;
}

interface Owner {
  readonly value: string;
  readonly owners: string[];
}

export class FieldOwnership {
  private readonly claims = new Map<string, Owner>();

  /** Conflict messages for the claims that an accepted policy already holds with another value. */
  conflicts(claims: readonly FieldClaim[]): string[] {
    const messages: string[] = [];
    for (const claim of claims) {
      const owner = this.claims.get(`${claim.scope}\u0000${claim.field}`);
      if (owner !== undefined && owner.value !== claim.value) {
        messages.push(
          `conflict: ${claim.field} on ${claim.scope} is already set to a different value by ${owner.owners.join(', ')}, which was accepted first`,
        );
      }
    }
    return [...new Set(messages)];
  }

  /** Records the claims of an accepted policy. */
  commit(owner: string, claims: readonly FieldClaim[]): void {
    for (const claim of claims) {
      const key = `${claim.scope}\u0000${claim.field}`;
      const existing = this.claims.get(key);
      if (existing === undefined) this.claims.set(key, { value: claim.value, owners: [owner] });
      else if (!existing.owners.includes(owner)) existing.owners.push(owner);
    }
  }
}

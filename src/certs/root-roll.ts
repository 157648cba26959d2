// A root rotation rolled out in two phases across the member clusters of a VirtualMesh, decided
// without I/O. After the root Secret changed from R1 to R2 (R1 kept as previous-root-cert.pem):
//   distribute: intermediates are still signed by R1, with the bundle [R1, R2]: every member
//               comes to trust R2 while its workloads still present R1 chains;
//   switch:     once every member shows it holds a bundle with R2, sign with R2, bundle [R2, R1].
// Signing with R2 before a member trusts it would let that member reject the others' new workloads.
import { INPUTS_HASH_ANNOTATION } from './cert-defaults.ts';
import {
  bundleHolds,
  bytesToPem,
  certificateDigest,
  type CertificateRequest,
  type IssuedCertificate,
} from './phases.ts';
import { firstCertificate, trustBundle } from './trust-policy.ts';

/** What the issuer knows of the roots of one root Secret. */
export interface RollRoots {
  /** root-cert.pem: the root in force. */
  readonly currentPem: string;
  /** previous-root-cert.pem, with what the roll needs of it; undefined when there is none. */
  readonly previous:
    | {
        readonly pem: string;
        readonly notAfter: number;
        /** Its private key is in the Secret (previous-root-key.pem): it can still sign. */
        readonly canSign: boolean;
        /** Why it must not sign now (trust-policy.ts rootSigningProblem), if so. */
        readonly refusal?: string | undefined;
      }
    | undefined;
}

/** One member cluster of the VirtualMesh, as the issuer observed it through its cache. */
export type MemberTrust =
  | { readonly cluster: string; readonly state: 'trusts-new' }
  /** The issuer already answered one of its requests with the new root first: the roll switched. */
  | { readonly cluster: string; readonly state: 'switched' }
  /** Reachable, but not (yet) holding the bundle with the new root; `reason` says what is missing. */
  | { readonly cluster: string; readonly state: 'pending'; readonly reason: string }
  /** Its cache is unreachable or has not listed: what it holds is not known. */
  | { readonly cluster: string; readonly state: 'unknown' };

export interface RollDecision {
  /** The root to sign with. */
  readonly signWith: 'current' | 'previous';
  /** PEM bundle handed out as signingRootCa (root-cert.pem on the member). */
  readonly bundle: string;
  /** A root the bundle already handed out must hold, or the request is signed again (distribute phase). */
  readonly requiredRootPem: string | undefined;
  /** Why the roll is held in its distribute phase (the clusters named), for status; undefined outside it. */
  readonly waiting: string | undefined;
  /** The same with what each of those clusters lacks, for logs. */
  readonly details: string | undefined;
}

/**
 * Whether one member holds the new root: for every IssuedCertificate of this root on it, the agent
 * finished the issuance of its current inputs (its CertificateRequest carries the same inputs hash),
 * and the issuer's answer to that request (current generation, FINISHED) came with a bundle holding
 * `currentPem`. The agent writes cacerts before it says FINISHED, so this is what the member holds.
 */
export function memberTrust(
  cluster: string,
  certificates: readonly {
    readonly issuedCertificate: IssuedCertificate;
    readonly certificateRequest: CertificateRequest | undefined;
  }[],
  currentPem: string,
): MemberTrust {
  // Once switched, a member's later re-issue (a new CSR, not signed yet) must not turn the roll back.
  const switched = certificates.some(
    ({ certificateRequest }) =>
      certificateDigest(firstCertificate(bytesToPem(certificateRequest?.status?.signingRootCa ?? ''))) ===
      certificateDigest(currentPem),
  );
  if (switched) return { cluster, state: 'switched' };
  for (const { issuedCertificate, certificateRequest } of certificates) {
    const name = `IssuedCertificate ${issuedCertificate.metadata.namespace ?? ''}/${issuedCertificate.metadata.name}`;
    const status = issuedCertificate.status;
    const pending = (why: string): MemberTrust => ({ cluster, state: 'pending', reason: `${name} ${why}` });
    if (certificateRequest === undefined) return pending('has no CertificateRequest yet');
    const request = certificateRequest.status;
    const hash = (object: { metadata: { annotations?: Record<string, string> | undefined } }) =>
      object.metadata.annotations?.[INPUTS_HASH_ANNOTATION] ?? '';
    if (hash(certificateRequest) !== hash(issuedCertificate)) return pending('has not been requested again yet');
    if (request?.state !== 'FINISHED' || request.observedGeneration !== certificateRequest.metadata.generation)
      return pending('is not signed yet');
    if (!bundleHolds(bytesToPem(request.signingRootCa ?? ''), currentPem))
      return pending('was signed with a bundle without the new root');
    if (status?.state !== 'FINISHED' || status.observedGeneration !== issuedCertificate.metadata.generation)
      return pending('is not installed yet');
  }
  return { cluster, state: 'trusts-new' };
}

/**
 * Which root signs and which bundle goes out, given the roots and every member's observed state.
 * Without a previous root still in its lifetime (first issuance, a root replaced by an unrelated
 * one) or when the previous root cannot sign (no key, near its end), the new root signs at once.
 */
export function rollDecision(roots: RollRoots, members: readonly MemberTrust[], now: number): RollDecision {
  const { currentPem, previous } = roots;
  const live =
    previous !== undefined &&
    previous.notAfter > now &&
    certificateDigest(previous.pem) !== certificateDigest(currentPem);
  const switched: RollDecision = {
    signWith: 'current',
    bundle: trustBundle(currentPem, live ? previous : undefined, now),
    requiredRootPem: undefined,
    waiting: undefined,
    details: undefined,
  };
  if (!live || !previous.canSign || previous.refusal !== undefined) return switched;
  if (members.some((member) => member.state === 'switched')) return switched;
  const behind = members.filter((member) => member.state !== 'trusts-new');
  if (behind.length === 0) return switched;
  const names = behind.map((member) => `cluster ${member.cluster}`).join(', ');
  const details = behind
    .map((member) =>
      member.state === 'pending'
        ? `cluster ${member.cluster} (${member.reason})`
        : `cluster ${member.cluster} (unreachable or not listed yet)`,
    )
    .join('; ');
  return {
    signWith: 'previous',
    bundle: trustBundle(previous.pem, { pem: currentPem, notAfter: Number.POSITIVE_INFINITY }, now),
    requiredRootPem: currentPem,
    waiting: `root rotation: waiting for ${names} to trust the new root`,
    details: `root rotation: waiting for ${details} to trust the new root`,
  };
}

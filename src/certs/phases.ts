// The certificate flow as two pure state machines, one per side. Each step takes what its process
// observed (objects it read, what it knows of its Secrets, the time) and returns the one action to
// perform and the status to write once that action has succeeded. The processes do the I/O and the
// crypto (crypto.ts); if an action fails they write `failedStatus` with the reason.
//
//   agent (workload cluster)                              issuer (management plane)
//   PENDING   make a key + CSR → CertificateRequest ───▶  sign the CSR with the root → CR FINISHED
//   REQUESTED wait for the CR; write cacerts        ◀───  (re-sign when the root changes)
//   ISSUED    restart istiod, gateways, workloads (PodBounceDirective)
//   FINISHED  until the spec, the root, or the expiry says: again
//   FAILED    start again (the reason stays in status.error until then)
import { createHash } from 'node:crypto';
import type { Resource } from '../api/kind.ts';
import type { certificateRequestKind } from '../api/certificates/v1/certificate-request.ts';
import type { IssuedCertificateState, issuedCertificateKind } from '../api/certificates/v1/issued-certificate.ts';
import {
  DEFAULT_ROTATION_GRACE_RATIO,
  DEFAULT_RSA_KEY_SIZE,
  DEFAULT_TTL_DAYS,
  INPUTS_HASH_ANNOTATION,
} from './cert-defaults.ts';
import { firstCertificate, MAX_ROTATION_GRACE_RATIO } from './trust-policy.ts';

export type IssuedCertificate = Resource<typeof issuedCertificateKind>;
export type CertificateRequest = Resource<typeof certificateRequestKind>;
export type IssuedCertificateStatus = NonNullable<IssuedCertificate['status']>;
export type CertificateRequestStatus = NonNullable<CertificateRequest['status']>;

export interface ObjectRef {
  readonly name: string;
  readonly namespace: string;
}

/** Base64 of the PEM text: how `bytes` fields (CSR, signed certificate, root) travel in the API. */
export function pemToBytes(pem: string): string {
  return Buffer.from(pem, 'utf8').toString('base64');
}

export function bytesToPem(bytes: string): string {
  return Buffer.from(bytes, 'base64').toString('utf8');
}

/** A short stable digest of a certificate (PEM or base64 of PEM), to notice that it changed. */
export function certificateDigest(certificate: string): string {
  const pem = certificate.includes('-----BEGIN') ? certificate : bytesToPem(certificate);
  return createHash('sha256').update(pem.replace(/\s+/g, '')).digest('hex').slice(0, 32);
}

/**
 * True when a certificate is inside its rotation window: the last `ratio` of its lifetime
 * (secretRotationGracePeriodRatio, 10 % by default), or already expired.
 */
export function rotationDue(notBefore: number, notAfter: number, ratio: number | undefined, now: number): boolean {
  const lifetime = notAfter - notBefore;
  // Capped, so that a certificate is never due for most of its life (re-issued on every pass).
  const grace =
    lifetime *
    (ratio === undefined || ratio <= 0 ? DEFAULT_ROTATION_GRACE_RATIO : Math.min(ratio, MAX_ROTATION_GRACE_RATIO));
  return now >= notAfter - grace;
}

// ---- agent -------------------------------------------------------------------------------------

/** The agent's Istio CA Secret (cacerts), as far as the agent's own annotations and the certificate tell. */
export interface CaSecretFacts {
  /** INPUTS_HASH_ANNOTATION the agent wrote on it. */
  readonly inputsHash?: string;
  /** SIGNED_CERTIFICATE_HASH_ANNOTATION: certificateDigest of the intermediate it holds. */
  readonly signedCertificateDigest?: string;
  /** Validity of ca-cert.pem, epoch milliseconds (crypto.ts certificateValidity). */
  readonly notBefore?: number;
  readonly notAfter?: number;
}

export interface AgentObservation {
  readonly issuedCertificate: IssuedCertificate;
  /** The agent's CertificateRequest for it (same name and namespace), if one exists. */
  readonly certificateRequest: CertificateRequest | undefined;
  /** Whether the agent's private-key Secret for it exists (made with the request). */
  readonly privateKey: boolean;
  /** The Secret named by spec.issuedCertificateSecret, if it exists. */
  readonly caSecret: CaSecretFacts | undefined;
  /** Whether the pods of its PodBounceDirective have been restarted for the current certificate. */
  readonly podsBounced: boolean;
  /** Epoch milliseconds; the caller's clock, so that the step itself stays pure. */
  readonly now: number;
}

export type AgentAction =
  /** Nothing to do now; `reason` says what it waits for (for logs). */
  | { readonly kind: 'wait'; readonly reason: string }
  /** Not this agent's to process (no issuedCertificateSecret: another CA provider's). */
  | { readonly kind: 'ignore' }
  /**
   * Generate an RSA key of `keySizeBits`, keep it in the private-key Secret, and write a
   * CertificateRequest (same name and namespace) with a CSR for `hosts` / `org`, annotated with
   * `inputsHash` (INPUTS_HASH_ANNOTATION).
   */
  | {
      readonly kind: 'request';
      readonly keySizeBits: number;
      readonly hosts: readonly string[];
      readonly org: string;
      readonly inputsHash: string;
    }
  /** Write Istio's cacerts (crypto.ts istioCaSecretData) from the signed certificate, the root and the private key. */
  | {
      readonly kind: 'write-ca-secret';
      readonly secret: ObjectRef;
      /** Base64 PEM, as in the CertificateRequest's status. */
      readonly signedCertificate: string;
      readonly signingRootCa: string;
      readonly inputsHash: string;
      readonly signedCertificateDigest: string;
    }
  /** Restart the pods of the PodBounceDirective, in order; step again once they are back. */
  | { readonly kind: 'bounce-pods'; readonly directive: ObjectRef };

export interface AgentStep {
  readonly action: AgentAction;
  /** The status to write after the action succeeded (unchanged for wait and ignore). */
  readonly status: IssuedCertificateStatus;
}

/** The hash the management plane put on the IssuedCertificate ('' when it set none). */
function inputsHashOf(object: { readonly metadata: { readonly annotations?: Record<string, string> | undefined } }) {
  return object.metadata.annotations?.[INPUTS_HASH_ANNOTATION] ?? '';
}

function withState(
  issuedCertificate: IssuedCertificate,
  state: IssuedCertificateState,
  error?: string,
): IssuedCertificateStatus {
  const generation = issuedCertificate.metadata.generation;
  return {
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    state,
    ...(error === undefined ? {} : { error }),
  };
}

/** The status to write when an action failed. */
export function failedStatus(issuedCertificate: IssuedCertificate, error: string): IssuedCertificateStatus {
  return withState(issuedCertificate, 'FAILED', error);
}

function requestAction(issuedCertificate: IssuedCertificate): AgentStep {
  const spec = issuedCertificate.spec;
  return {
    action: {
      kind: 'request',
      keySizeBits: spec.certOptions?.rsaKeySizeBytes || DEFAULT_RSA_KEY_SIZE,
      hosts: [...(spec.hosts ?? [])],
      // certOptions.orgName wins over the deprecated top-level org, as upstream.
      org: spec.certOptions?.orgName || spec.org || '',
      inputsHash: inputsHashOf(issuedCertificate),
    },
    status: withState(issuedCertificate, 'REQUESTED'),
  };
}

/** Why the agent must issue again from the start, if it must. */
function restartReason(observation: AgentObservation): string | undefined {
  const { issuedCertificate, certificateRequest, caSecret } = observation;
  const status = issuedCertificate.status ?? {};
  const state = status.state ?? 'PENDING';
  if (state === 'PENDING' || state === 'FAILED') return state.toLowerCase();
  if (status.observedGeneration !== issuedCertificate.metadata.generation) return 'the spec changed';
  if (certificateRequest === undefined) return 'its CertificateRequest is gone';
  if (inputsHashOf(certificateRequest) !== inputsHashOf(issuedCertificate))
    return 'its inputs (root or options) changed';
  if (!observation.privateKey) return 'its private key Secret is gone';
  if (state === 'ISSUED' || state === 'FINISHED') {
    if (caSecret === undefined) return 'the issued CA Secret is gone';
    if (
      caSecret.notBefore !== undefined &&
      caSecret.notAfter !== undefined &&
      rotationDue(
        caSecret.notBefore,
        caSecret.notAfter,
        issuedCertificate.spec.certOptions?.secretRotationGracePeriodRatio,
        observation.now,
      )
    ) {
      return 'the intermediate certificate is due for rotation';
    }
  }
  return undefined;
}

/** One step of the cert agent for one IssuedCertificate. */
export function agentStep(observation: AgentObservation): AgentStep {
  const { issuedCertificate, certificateRequest, caSecret } = observation;
  const unchanged = issuedCertificate.status ?? {};
  const secret = issuedCertificate.spec.issuedCertificateSecret;
  if (secret === undefined) return { action: { kind: 'ignore' }, status: unchanged };
  if (restartReason(observation) !== undefined) return requestAction(issuedCertificate);

  const state = unchanged.state ?? 'PENDING';
  const request = certificateRequest?.status;
  const signed = request?.signedCertificate ?? '';
  const secretRef = { name: secret.name, namespace: secret.namespace ?? issuedCertificate.metadata.namespace ?? '' };
  const writeSecret = (): AgentStep => ({
    action: {
      kind: 'write-ca-secret',
      secret: secretRef,
      signedCertificate: signed,
      signingRootCa: request?.signingRootCa ?? '',
      inputsHash: inputsHashOf(issuedCertificate),
      signedCertificateDigest: certificateDigest(signed),
    },
    status: withState(issuedCertificate, 'ISSUED'),
  });
  switch (state) {
    case 'REQUESTED': {
      if (request?.state === 'FAILED') {
        return {
          action: { kind: 'wait', reason: 'the issuer could not sign' },
          status: failedStatus(
            issuedCertificate,
            `the issuer could not sign the request: ${request.error ?? 'no reason given'}`,
          ),
        };
      }
      const answered =
        request?.state === 'FINISHED' &&
        signed !== '' &&
        request.observedGeneration === certificateRequest?.metadata.generation;
      if (!answered)
        return { action: { kind: 'wait', reason: 'the issuer has not signed the request yet' }, status: unchanged };
      return writeSecret();
    }
    case 'ISSUED': {
      const directive = issuedCertificate.spec.podBounceDirective;
      if (directive !== undefined && !observation.podsBounced) {
        return {
          action: {
            kind: 'bounce-pods',
            directive: {
              name: directive.name,
              namespace: directive.namespace ?? issuedCertificate.metadata.namespace ?? '',
            },
          },
          status: unchanged,
        };
      }
      return { action: { kind: 'wait', reason: 'done' }, status: withState(issuedCertificate, 'FINISHED') };
    }
    case 'FINISHED': {
      // The issuer re-signed the same request (its root changed): install the new chain.
      if (signed !== '' && caSecret?.signedCertificateDigest !== certificateDigest(signed)) return writeSecret();
      return { action: { kind: 'wait', reason: 'up to date' }, status: unchanged };
    }
    case 'PENDING':
    case 'FAILED':
      // restartReason covered both.
      return requestAction(issuedCertificate);
  }
}

// ---- issuer ------------------------------------------------------------------------------------

export interface IssuerObservation {
  readonly certificateRequest: CertificateRequest;
  /** The IssuedCertificate of the same name and namespace in the same cluster. */
  readonly issuedCertificate: IssuedCertificate | undefined;
  /**
   * The root the IssuedCertificate names, as the issuer read it from the management cluster
   * (PEM of root-cert.pem); undefined when that Secret does not exist or holds no root.
   */
  readonly rootCertificate: string | undefined;
  /**
   * During the distribute phase of a root rotation (root-roll.ts): a root the bundle already handed
   * out must hold, or the request is signed again.
   */
  readonly requiredRoot?: string | undefined;
}

export type IssuerAction =
  | { readonly kind: 'wait'; readonly reason: string }
  /** Not this issuer's (the IssuedCertificate names no signing Secret). */
  | { readonly kind: 'ignore' }
  /**
   * Sign the CSR (crypto.ts signIntermediate) with the root and key of `signingSecret`, then
   * write `signedRequestStatus(...)`.
   */
  | {
      readonly kind: 'sign';
      readonly signingSecret: ObjectRef;
      /** Base64 PEM of the CSR. */
      readonly certificateSigningRequest: string;
      readonly hosts: readonly string[];
      readonly ttlDays: number;
    };

export interface IssuerStep {
  readonly action: IssuerAction;
  /** The status to write now (wait, ignore, failures); for `sign`, see signedRequestStatus. */
  readonly status: CertificateRequestStatus;
}

function requestStatus(
  request: CertificateRequest,
  state: 'PENDING' | 'FINISHED' | 'FAILED',
  extra: Partial<CertificateRequestStatus> = {},
): CertificateRequestStatus {
  const generation = request.metadata.generation;
  return { ...(generation === undefined ? {} : { observedGeneration: generation }), state, ...extra };
}

/**
 * The CertificateRequest's status once its CSR was signed. `trustBundlePem` is the signing root,
 * followed during a root rotation by the previous root (trust-policy.ts trustBundle).
 */
export function signedRequestStatus(
  request: CertificateRequest,
  signedCertificatePem: string,
  trustBundlePem: string,
): CertificateRequestStatus {
  return requestStatus(request, 'FINISHED', {
    signedCertificate: pemToBytes(signedCertificatePem),
    signingRootCa: pemToBytes(trustBundlePem),
  });
}

export function failedRequestStatus(request: CertificateRequest, error: string): CertificateRequestStatus {
  return requestStatus(request, 'FAILED', { error });
}

/** The root Secret an IssuedCertificate is to be signed with (glooMeshCa first, then the deprecated field). */
export function signingSecretOf(issuedCertificate: IssuedCertificate): ObjectRef | undefined {
  const ref =
    issuedCertificate.spec.glooMeshCa?.signingCertificateSecret ?? issuedCertificate.spec.signingCertificateSecret;
  return ref === undefined
    ? undefined
    : { name: ref.name, namespace: ref.namespace ?? issuedCertificate.metadata.namespace ?? '' };
}

/** Whether a PEM bundle holds a certificate (compared by digest). */
export function bundleHolds(bundlePem: string, certificatePem: string): boolean {
  const wanted = certificateDigest(certificatePem);
  const found = bundlePem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return found.some((pem) => certificateDigest(pem) === wanted);
}

/** One step of the issuer for one CertificateRequest. */
export function issuerStep(observation: IssuerObservation): IssuerStep {
  const { certificateRequest: request, issuedCertificate, rootCertificate, requiredRoot } = observation;
  const status = request.status ?? {};
  const current = status.observedGeneration === request.metadata.generation;
  const signed = status.signedCertificate ?? '';
  if (issuedCertificate === undefined) {
    return {
      action: { kind: 'wait', reason: 'no IssuedCertificate' },
      status: failedRequestStatus(
        request,
        `no IssuedCertificate ${request.metadata.namespace ?? ''}/${request.metadata.name} for this request`,
      ),
    };
  }
  const signingSecret = signingSecretOf(issuedCertificate);
  if (signingSecret === undefined) return { action: { kind: 'ignore' }, status };
  if (current && status.state === 'FINISHED' && signed !== '') {
    // Signed with the root in force (the first of the bundle): nothing to do. Signed with an older root: sign again.
    const bundle = bytesToPem(status.signingRootCa ?? '');
    if (
      rootCertificate === undefined ||
      (certificateDigest(firstCertificate(bundle)) === certificateDigest(rootCertificate) &&
        (requiredRoot === undefined || bundleHolds(bundle, requiredRoot)))
    ) {
      return { action: { kind: 'wait', reason: 'signed' }, status };
    }
  }
  if (rootCertificate === undefined) {
    return {
      action: { kind: 'wait', reason: 'no root' },
      status: failedRequestStatus(
        request,
        `the signing Secret ${signingSecret.namespace}/${signingSecret.name} does not exist on the management cluster or holds no root-cert.pem`,
      ),
    };
  }
  const csr = request.spec.certificateSigningRequest ?? '';
  if (csr === '') {
    return {
      action: { kind: 'wait', reason: 'no CSR' },
      status: failedRequestStatus(request, 'spec.certificateSigningRequest is empty'),
    };
  }
  return {
    action: {
      kind: 'sign',
      signingSecret,
      certificateSigningRequest: csr,
      hosts: [...(issuedCertificate.spec.hosts ?? [])],
      ttlDays: issuedCertificate.spec.certOptions?.ttlDays || DEFAULT_TTL_DAYS,
    },
    status: requestStatus(request, 'PENDING'),
  };
}

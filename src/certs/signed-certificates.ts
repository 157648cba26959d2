// The validity of a signed intermediate CA, read from public data only: the CertificateRequest's
// status, where the issuer put the signed certificate and the roots it chains to. Never the agent's
// Secrets (its private key, Istio's cacerts): whoever reads the estate need not read Secrets.
// Parsed once per reading, so the dashboard and `meshctl describe` hand out dates, not PEM.
import type { KubeObject } from '../api/meta.ts';
import type { Validity } from './certificate-expiry.ts';
import { certificateValidity } from './crypto.ts';
import { bytesToPem } from './phases.ts';
import { firstCertificate } from './trust-policy.ts';

/** What a CertificateRequest's status says of the certificate signed for it. */
export interface SignedCertificate {
  readonly namespace: string;
  /** The CertificateRequest's name: that of its IssuedCertificate. */
  readonly name: string;
  /** status.signedCertificate's validity; undefined when nothing was signed (yet). */
  readonly certificate?: Validity;
  /** The signing root's validity (the first certificate of status.signingRootCa). */
  readonly root?: Validity;
  /** Why a certificate present in the status could not be read. */
  readonly problem?: string;
}

/** The certificates signed in one cluster, or why its CertificateRequests could not be listed. */
export type SignedCertificates =
  | { readonly read: true; readonly items: readonly SignedCertificate[] }
  | { readonly read: false; readonly error: string };

function validityOf(base64Pem: string): Validity | undefined {
  const pem = bytesToPem(base64Pem);
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) return undefined;
  try {
    return certificateValidity(firstCertificate(pem));
  } catch {
    return undefined;
  }
}

/** The signed certificate and root of one CertificateRequest (any object: fields are checked here). */
export function signedCertificateOf(object: KubeObject): SignedCertificate {
  const status = (object as { status?: { signedCertificate?: unknown; signingRootCa?: unknown } }).status;
  const ref = { namespace: object.metadata.namespace ?? '', name: object.metadata.name };
  const signed = typeof status?.signedCertificate === 'string' ? status.signedCertificate : '';
  const roots = typeof status?.signingRootCa === 'string' ? status.signingRootCa : '';
  const certificate = signed === '' ? undefined : validityOf(signed);
  const root = roots === '' ? undefined : validityOf(roots);
  return {
    ...ref,
    ...(certificate === undefined ? {} : { certificate }),
    ...(root === undefined ? {} : { root }),
    ...(signed !== '' && certificate === undefined
      ? { problem: 'status.signedCertificate of its CertificateRequest is not a PEM certificate' }
      : {}),
  };
}

// Names and defaults of the certificate flow, as Gloo Mesh 1.x uses them, so that existing root
// Secrets, cert agents and Istio installations keep working. Pure constants and helpers only.
import type { CommonCertOptions } from '../api/certificates/v1/cert-options.ts';

/** Istio's plug-in CA Secret: istiod reads its CA from here (istio.io "Plug in CA certificates"). */
export const ISTIO_CA_SECRET_NAME = 'cacerts';
/** The ConfigMap istiod copies the root certificate into, in every namespace. */
export const ISTIO_ROOT_CERT_CONFIGMAP = 'istio-ca-root-cert';

/** Keys of the Secrets involved (the root Secret uses `key.pem`, as Istio's and upstream's do). */
export const SECRET_KEYS = {
  caCert: 'ca-cert.pem',
  caKey: 'ca-key.pem',
  certChain: 'cert-chain.pem',
  rootCert: 'root-cert.pem',
  rootKey: 'key.pem',
  /** In a root Secret: the root it replaced, still trusted (bundled) while a rotation rolls out. */
  previousRootCert: 'previous-root-cert.pem',
  /** Its private key: the previous root still signs while the new one is being distributed (root-roll.ts). */
  previousRootKey: 'previous-root-key.pem',
  /** The agent's intermediate private key, in its own Secret on the workload cluster. */
  agentPrivateKey: 'private-key',
} as const;

export const SECRET_TYPES = {
  /** The root CA Mesh Hub generated, on the management cluster. */
  generatedRoot: 'certificates.mesh.gloo.solo.io/generated_signing_cert',
  /** The agent's private key, on the workload cluster. */
  agentPrivateKey: 'certificates.mesh.gloo.solo.io/generated_private_key',
  /** Istio's cacerts written by the agent. */
  issuedCertificate: 'certificates.mesh.gloo.solo.io/issued_certificate',
} as const;

/** On an IssuedCertificate and on what the agent makes from it: the hash of everything it was issued from. */
export const INPUTS_HASH_ANNOTATION = 'certificates.meshhub.dev/inputs-hash';
/** On the agent's cacerts Secret: the hash of the signed certificate it holds (a re-signed one is rewritten). */
export const SIGNED_CERTIFICATE_HASH_ANNOTATION = 'certificates.meshhub.dev/signed-certificate-hash';

export interface ResolvedCertOptions {
  readonly ttlDays: number;
  /** Named "bytes" in the API, but a number of bits (4096), as upstream uses it. */
  readonly rsaKeySizeBytes: number;
  readonly orgName: string;
  readonly secretRotationGracePeriodRatio: number;
}

export const DEFAULT_TTL_DAYS = 365;
export const DEFAULT_RSA_KEY_SIZE = 4096;
export const DEFAULT_ROTATION_GRACE_RATIO = 0.1;
/** Organisation of a generated root CA, and of intermediates (Istio's own default). */
export const DEFAULT_ROOT_ORG = 'gloo-mesh';
export const DEFAULT_INTERMEDIATE_ORG = 'Istio';

/** Unset (or zero, proto3's "unset") options take upstream's defaults. */
export function resolveCertOptions(options: CommonCertOptions | undefined, orgName: string): ResolvedCertOptions {
  return {
    ttlDays: options?.ttlDays || DEFAULT_TTL_DAYS,
    rsaKeySizeBytes: options?.rsaKeySizeBytes || DEFAULT_RSA_KEY_SIZE,
    orgName: options?.orgName === undefined || options.orgName === '' ? orgName : options.orgName,
    secretRotationGracePeriodRatio: options?.secretRotationGracePeriodRatio || DEFAULT_ROTATION_GRACE_RATIO,
  };
}

/** The SPIFFE identity a workload certificate names: `spiffe://<trust domain>/ns/<namespace>/sa/<account>`. */
export function spiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

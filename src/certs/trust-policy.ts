// What shared trust accepts, decided without I/O: where a root CA Secret may live, which key sizes
// and rotation ratios a VirtualMesh may ask for, which CSR keys the issuer signs, and when a root
// is too close to its end to sign under. The management plane applies these; tests call them directly.
import type { Resource } from '../api/kind.ts';
import type { virtualMeshKind } from '../api/networking/v1/virtual-mesh.ts';
import type { settingsKind } from '../api/settings/v1/settings.ts';
import { DEFAULT_ROTATION_GRACE_RATIO, DEFAULT_TTL_DAYS } from './cert-defaults.ts';

type VirtualMesh = Resource<typeof virtualMeshKind>;
type Settings = Resource<typeof settingsKind>;

/** RSA sizes (bits; the API's `rsaKeySizeBytes`) a VirtualMesh may ask for. */
export const MIN_RSA_KEY_BITS = 2048;
export const MAX_RSA_KEY_BITS = 4096;
/** Above this, a certificate would be due for rotation for most of its life. */
export const MAX_ROTATION_GRACE_RATIO = 0.5;
/** EC curves the issuer accepts in a CSR. */
export const ACCEPTED_EC_CURVES: readonly string[] = ['P-256', 'P-384'];

const DAY_MS = 24 * 3600_000;

/**
 * Namespaces of the management cluster where a VirtualMesh may name a root CA Secret: the install
 * namespace and those the operator listed in the Settings (`meshctl install --root-ca-namespaces`).
 */
export function allowedRootNamespaces(installNamespace: string, settings: Settings | undefined): string[] {
  // Read from a cache as well as parsed input: anything but a list of names counts as none.
  const listed: unknown = settings?.spec.rootCertificateAuthorityNamespaces;
  const names = Array.isArray(listed) ? listed.filter((ns): ns is string => typeof ns === 'string' && ns !== '') : [];
  return [...new Set([installNamespace, ...names])].sort();
}

/** The problems of one set of certificate options (`field` is its path, for the message). */
function certOptionErrors(
  field: string,
  options: {
    readonly rsaKeySizeBytes?: number | undefined;
    readonly secretRotationGracePeriodRatio?: number | undefined;
  },
): string[] {
  const errors: string[] = [];
  const size = options.rsaKeySizeBytes;
  // 0 is proto3's "unset": the default (4096) applies.
  if (size !== undefined && size !== 0 && (size < MIN_RSA_KEY_BITS || size > MAX_RSA_KEY_BITS)) {
    errors.push(
      `${field}.rsaKeySizeBytes: ${String(size)} is outside ${String(MIN_RSA_KEY_BITS)}–${String(MAX_RSA_KEY_BITS)} (the field counts bits)`,
    );
  }
  const ratio = options.secretRotationGracePeriodRatio;
  if (ratio !== undefined && (ratio < 0 || ratio > MAX_ROTATION_GRACE_RATIO)) {
    errors.push(
      `${field}.secretRotationGracePeriodRatio: ${String(ratio)} is outside 0–${String(MAX_ROTATION_GRACE_RATIO)} (rotation would be due for most of the certificate's life)`,
    );
  }
  return errors;
}

/** Spec problems of a VirtualMesh's shared trust: a root Secret outside the allowed namespaces, bad key sizes or ratios. */
export function sharedTrustErrors(
  virtualMesh: VirtualMesh,
  installNamespace: string,
  rootNamespaces: readonly string[],
): string[] {
  const shared = virtualMesh.spec.mtlsConfig?.shared;
  if (shared === undefined) return [];
  const errors: string[] = [];
  const root = shared.rootCertificateAuthority;
  if (root?.secret !== undefined) {
    const namespace = root.secret.namespace ?? virtualMesh.metadata.namespace ?? installNamespace;
    if (!rootNamespaces.includes(namespace)) {
      errors.push(
        `spec.mtlsConfig.shared.rootCertificateAuthority.secret.namespace: root CA Secrets are read only in ${rootNamespaces.join(', ')}, not in ${namespace}; move the Secret there, or let the operator allow the namespace (meshctl install --root-ca-namespaces)`,
      );
    }
  }
  if (root?.generated !== undefined)
    errors.push(...certOptionErrors('spec.mtlsConfig.shared.rootCertificateAuthority.generated', root.generated));
  if (shared.intermediateCertOptions !== undefined)
    errors.push(...certOptionErrors('spec.mtlsConfig.shared.intermediateCertOptions', shared.intermediateCertOptions));
  return errors;
}

/** The public key of a CSR, as crypto.ts reads it. */
export type PublicKeyFacts =
  | { readonly algorithm: 'RSA'; readonly bits: number }
  | { readonly algorithm: 'EC'; readonly curve: string }
  | { readonly algorithm: 'other'; readonly name: string };

/** Why the issuer refuses to sign a CSR with this key, if it does. */
export function weakKeyProblem(key: PublicKeyFacts): string | undefined {
  switch (key.algorithm) {
    case 'RSA':
      return key.bits < MIN_RSA_KEY_BITS
        ? `the CSR's RSA key has ${String(key.bits)} bits; at least ${String(MIN_RSA_KEY_BITS)} are required`
        : undefined;
    case 'EC':
      return ACCEPTED_EC_CURVES.includes(key.curve)
        ? undefined
        : `the CSR's EC key uses curve ${key.curve}; only ${ACCEPTED_EC_CURVES.join(', ')} are accepted`;
    case 'other':
      return `the CSR's key algorithm ${key.name} is not accepted (RSA of at least ${String(MIN_RSA_KEY_BITS)} bits, or EC ${ACCEPTED_EC_CURVES.join('/')})`;
  }
}

/**
 * Why the issuer must not sign under a root right now, if it must not: the root expired, is inside
 * its own rotation window, or has less life left than the intermediate's rotation window (the
 * intermediate, cut to the root's end, would fall due at once, again and again as the root nears its
 * end: a re-issue and pod-restart storm). The agent retries a FAILED request with back-off.
 */
export function rootSigningProblem(root: {
  readonly notBefore: number;
  readonly notAfter: number;
  /** The intermediate's lifetime in days (0/undefined: the default). */
  readonly intermediateTtlDays: number | undefined;
  /** The intermediate's secretRotationGracePeriodRatio (0/undefined: the default). */
  readonly rotationRatio?: number | undefined;
  readonly now: number;
}): string | undefined {
  const remaining = root.notAfter - root.now;
  const lifetime = root.notAfter - root.notBefore;
  const ratio =
    root.rotationRatio === undefined || root.rotationRatio <= 0
      ? DEFAULT_ROTATION_GRACE_RATIO
      : Math.min(root.rotationRatio, MAX_ROTATION_GRACE_RATIO);
  const until = new Date(root.notAfter).toISOString();
  if (remaining <= 0) return `the root CA expired at ${until}; rotate it`;
  if (remaining <= lifetime * DEFAULT_ROTATION_GRACE_RATIO)
    return `the root CA expires at ${until}, inside its rotation window (the last ${String(DEFAULT_ROTATION_GRACE_RATIO * 100)} % of its lifetime); rotate it`;
  const ttlDays = root.intermediateTtlDays || DEFAULT_TTL_DAYS;
  if (remaining < ttlDays * DAY_MS * ratio)
    return `the root CA expires at ${until}, too soon for an intermediate of ${String(ttlDays)} days (it would be due for rotation at once); rotate the root`;
  return undefined;
}

/** The first PEM certificate of a bundle (the whole text when it holds one). */
export function firstCertificate(bundle: string): string {
  const end = '-----END CERTIFICATE-----';
  const at = bundle.indexOf(end);
  if (at < 0) return bundle;
  return `${bundle.slice(0, at + end.length)}\n`;
}

/**
 * The trust bundle workloads get (root-cert.pem): the signing root first, then a previous root
 * still in its lifetime, so that during a root rotation workloads on either root trust each other.
 */
export function trustBundle(
  current: string,
  previous: { readonly pem: string; readonly notAfter: number } | undefined,
  now: number,
): string {
  const withNewline = (pem: string) => (pem.endsWith('\n') ? pem : `${pem}\n`);
  if (previous === undefined || previous.notAfter <= now) return withNewline(current);
  if (previous.pem.trim() === current.trim()) return withNewline(current);
  return withNewline(current) + withNewline(previous.pem);
}

// The one non-pure module of src/certs: keys, CSRs and certificates (WebCrypto through
// @peculiar/x509). Everything else in the certificate flow decides; this module only computes.
//
//   generateRootCa        the VirtualMesh's root (self-signed, CA:TRUE), on the management plane
//   generateIntermediateRequest  key + CSR on the workload cluster: the key never leaves it
//   signIntermediate      the issuer signs the CSR: CA:TRUE with a path length, SAN = istiod's SPIFFE ID
//   istioCaSecretData     Istio's cacerts: ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem
import 'reflect-metadata';
import {
  createPrivateKey,
  createPublicKey,
  webcrypto,
  X509Certificate as NodeX509Certificate,
  type webcrypto as WebCrypto,
} from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { DEFAULT_RSA_KEY_SIZE, DEFAULT_TTL_DAYS, SECRET_KEYS } from './cert-defaults.ts';
import { firstCertificate, type PublicKeyFacts } from './trust-policy.ts';

x509.cryptoProvider.set(webcrypto);

const DAY_MS = 24 * 3600_000;
/** Certificates start a little in the past, so clusters whose clocks run behind accept them. */
const BACKDATE_MS = 5 * 60_000;

function rsaAlgorithm(modulusLength: number) {
  return {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength,
  } as const;
}

async function exportPrivateKey(key: WebCrypto.CryptoKey): Promise<string> {
  return withNewline(x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY'));
}

/** PEM files end with a newline; concatenated chains stay well-formed. */
function withNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

async function importPrivateKey(pem: string, algorithm: { name: string; hash: string }): Promise<WebCrypto.CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
}

/** A random positive serial number (up to 16 bytes, as RFC 5280 allows 20). */
function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

export interface KeyAndCertificate {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

export interface RootCaOptions {
  readonly ttlDays?: number;
  /** Bits, despite the API's field name (rsaKeySizeBytes). */
  readonly rsaKeySizeBytes?: number;
  readonly orgName?: string;
  /** Defaults to the current time. */
  readonly now?: Date;
}

/** A self-signed root CA. */
export async function generateRootCa(options: RootCaOptions = {}): Promise<KeyAndCertificate> {
  const now = options.now ?? new Date();
  const algorithm = rsaAlgorithm(options.rsaKeySizeBytes || DEFAULT_RSA_KEY_SIZE);
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const org = options.orgName === undefined || options.orgName === '' ? 'gloo-mesh' : options.orgName;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ O: [org] }, { CN: [`${org} root CA`] }],
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + (options.ttlDays || DEFAULT_TTL_DAYS) * DAY_MS),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    certificatePem: withNewline(certificate.toString('pem')),
    privateKeyPem: await exportPrivateKey(keys.privateKey),
  };
}

export interface IntermediateRequest {
  readonly csrPem: string;
  readonly privateKeyPem: string;
}

/** The intermediate CA's key and its CSR, made where the key is to stay (the workload cluster). */
export async function generateIntermediateRequest(options: {
  readonly hosts: readonly string[];
  readonly orgName: string;
  readonly keySizeBits?: number;
}): Promise<IntermediateRequest> {
  const algorithm = rsaAlgorithm(options.keySizeBits || DEFAULT_RSA_KEY_SIZE);
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ O: [options.orgName === '' ? 'Istio' : options.orgName] }],
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.SubjectAlternativeNameExtension(options.hosts.map((value) => ({ type: 'url' as const, value }))),
    ],
  });
  return { csrPem: withNewline(csr.toString('pem')), privateKeyPem: await exportPrivateKey(keys.privateKey) };
}

export interface SignOptions {
  readonly csrPem: string;
  readonly root: KeyAndCertificate;
  /** SANs of the intermediate: istiod's SPIFFE identity (the IssuedCertificate's hosts). */
  readonly hosts: readonly string[];
  readonly ttlDays?: number;
  /** How many CAs may follow it; 0: it signs workload certificates only. */
  readonly pathLength?: number;
  readonly now?: Date;
}

/** Whether a CSR (PEM) is signed by the key it carries; false when it does not parse either. */
export async function csrSignatureValid(csrPem: string): Promise<boolean> {
  try {
    return await new x509.Pkcs10CertificateRequest(csrPem).verify();
  } catch {
    return false;
  }
}

/** The issuer's signature on an intermediate CA request. The CSR's own signature is checked first. */
export async function signIntermediate(options: SignOptions): Promise<string> {
  const now = options.now ?? new Date();
  const csr = new x509.Pkcs10CertificateRequest(options.csrPem);
  if (!(await csr.verify())) throw new Error('the certificate signing request is not signed by its own key');
  const root = new x509.X509Certificate(options.root.certificatePem);
  const rootAlgorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
  const signingKey = await importPrivateKey(options.root.privateKeyPem, rootAlgorithm);
  const notAfter = Math.min(now.getTime() + (options.ttlDays || DEFAULT_TTL_DAYS) * DAY_MS, root.notAfter.getTime());
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: csr.subject,
    issuer: root.subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(notAfter),
    publicKey: csr.publicKey,
    signingKey,
    signingAlgorithm: rootAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, options.pathLength ?? 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      new x509.SubjectAlternativeNameExtension(options.hosts.map((value) => ({ type: 'url' as const, value }))),
      await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(root),
    ],
  });
  return withNewline(certificate.toString('pem'));
}

const EC_CURVES: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** The algorithm and strength of a CSR's public key (trust-policy.ts weakKeyProblem judges it). */
export function csrPublicKey(csrPem: string): PublicKeyFacts {
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  const key = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return { algorithm: 'RSA', bits: details.modulusLength ?? 0 };
    case 'ec': {
      const curve = details.namedCurve ?? 'unknown';
      return { algorithm: 'EC', curve: EC_CURVES[curve] ?? curve };
    }
    default:
      return { algorithm: 'other', name: key.asymmetricKeyType ?? 'unknown' };
  }
}

/** Istio's plug-in CA Secret data (the `cacerts` Secret istiod reads), as strings. */
export function istioCaSecretData(parts: {
  readonly caCertificatePem: string;
  readonly caPrivateKeyPem: string;
  readonly rootCertificatePem: string;
}): Record<string, string> {
  const caCert = withNewline(parts.caCertificatePem);
  // The roots workloads trust: the signing root first, during a root rotation also the previous one.
  const roots = withNewline(parts.rootCertificatePem);
  const signingRoot = firstCertificate(roots);
  return {
    [SECRET_KEYS.caCert]: caCert,
    [SECRET_KEYS.caKey]: withNewline(parts.caPrivateKeyPem),
    [SECRET_KEYS.rootCert]: roots,
    // The chain from the intermediate up to the root that signed it, as Istio serves it to workloads.
    [SECRET_KEYS.certChain]: `${caCert}${signingRoot}`,
  };
}

/** The validity of a certificate, in epoch milliseconds, for rotation (phases.ts rotationDue). */
export function certificateValidity(pem: string): { readonly notBefore: number; readonly notAfter: number } {
  const certificate = new x509.X509Certificate(pem);
  return { notBefore: certificate.notBefore.getTime(), notAfter: certificate.notAfter.getTime() };
}

/** Whether a certificate (PEM) was issued for the public half of a private key (PEM). */
export function certificateMatchesKey(certificatePem: string, privateKeyPem: string): boolean {
  try {
    return new NodeX509Certificate(certificatePem).checkPrivateKey(createPrivateKey(privateKeyPem));
  } catch {
    return false;
  }
}

/** A TLS serving certificate (ECDSA P-256 key, CA:FALSE, serverAuth) for DNS names and IP addresses. */
export async function issueServingCertificate(options: {
  readonly ca: KeyAndCertificate;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly ttlMs: number;
  readonly now?: Date;
}): Promise<KeyAndCertificate> {
  const now = options.now ?? new Date();
  const ca = new x509.X509Certificate(options.ca.certificatePem);
  const caAlgorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
  const signingKey = await importPrivateKey(options.ca.privateKeyPem, caAlgorithm);
  const keyAlgorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
  const keys = await webcrypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']);
  const names = [
    ...options.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...options.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: [{ CN: [options.dnsNames[0] ?? options.ipAddresses[0] ?? 'mesh-hub'] }],
    issuer: ca.subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(Math.min(now.getTime() + options.ttlMs, ca.notAfter.getTime())),
    publicKey: keys.publicKey,
    signingKey,
    signingAlgorithm: caAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  return {
    certificatePem: withNewline(certificate.toString('pem')),
    privateKeyPem: await exportPrivateKey(keys.privateKey),
  };
}

// Shared trust, the management plane's live half: the root CAs VirtualMeshes name (watched one
// Secret at a time; generated, and regenerated when their options change or they near expiry) and
// the issuer that signs the cert agents' CertificateRequests on workload clusters with them.
// What to issue and when to sign are the pure decisions of src/certs; this module does the I/O.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { KubeObject } from '../api/meta.ts';
import { OWNER_LABEL } from '../api/labels.ts';
import { SECRET_KEYS, SECRET_TYPES } from '../certs/cert-defaults.ts';
import { certificateValidity, csrPublicKey, generateRootCa, signIntermediate } from '../certs/crypto.ts';
import {
  allowedRootNamespaces,
  rootSigningProblem,
  sharedTrustErrors,
  trustBundle,
  weakKeyProblem,
} from '../certs/trust-policy.ts';
import type { Settings } from '../networking/model.ts';
import {
  rootCertificateAuthority,
  secretKey,
  type RootCertificateAuthority,
  type SecretRef,
} from '../certs/issued-certificates.ts';
import {
  bytesToPem,
  certificateDigest,
  failedRequestStatus,
  issuerStep,
  rotationDue,
  signedRequestStatus,
  type CertificateRequest,
  type IssuedCertificate,
} from '../certs/phases.ts';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../install/manifests.ts';
import { ClusterCache } from '../kube/cache.ts';
import { KubeApiError, type KubeClient } from '../kube/client.ts';
import { statusDiffers } from '../kube/diff.ts';
import { ownedBy } from '../kube/ownership.ts';
import { CERTIFICATE_REQUEST, ISSUED_CERTIFICATE, resourcePath, SECRET } from '../kube/resources.ts';
import type { VirtualMesh } from '../networking/model.ts';

/** On a generated root Secret: the hash of the options it was generated with (a change regenerates it). */
export const ROOT_OPTIONS_ANNOTATION = 'certificates.meshhub.dev/root-options-hash';

interface SecretObject extends KubeObject {
  readonly type?: string;
  readonly data?: Record<string, string>;
}

export interface RootCa {
  readonly certificatePem: string;
  /** Undefined when the Secret holds no key.pem (it cannot sign). */
  readonly privateKeyPem: string | undefined;
  /** The root this one replaced (previous-root-cert.pem), bundled with it while still valid. */
  readonly previousCertificatePem: string | undefined;
}

function decoded(secret: SecretObject, key: string): string | undefined {
  const value = secret.data?.[key];
  return value === undefined || value === '' ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

function rootOf(secret: SecretObject): RootCa | undefined {
  const certificatePem = decoded(secret, SECRET_KEYS.rootCert);
  if (certificatePem === undefined) return undefined;
  return {
    certificatePem,
    privateKeyPem: decoded(secret, SECRET_KEYS.rootKey),
    previousCertificatePem: decoded(secret, SECRET_KEYS.previousRootCert),
  };
}

/** What of a certificate the signing decisions need; undefined when it cannot be parsed. */
function validityOf(pem: string): { notBefore: number; notAfter: number } | undefined {
  try {
    return certificateValidity(pem);
  } catch {
    return undefined;
  }
}

/** The roots to hand out with a certificate signed under `root` (trust-policy.ts trustBundle). */
export function bundleOf(root: RootCa, now: number): string {
  const previous = root.previousCertificatePem;
  const validity = previous === undefined ? undefined : validityOf(previous);
  return trustBundle(
    root.certificatePem,
    previous === undefined || validity === undefined ? undefined : { pem: previous, notAfter: validity.notAfter },
    now,
  );
}

function optionsHash(root: Extract<RootCertificateAuthority, { source: 'generated' }>): string {
  const { ttlDays, rsaKeySizeBytes, orgName } = root.options;
  return createHash('sha256')
    .update(JSON.stringify([ttlDays, rsaKeySizeBytes, orgName]))
    .digest('hex')
    .slice(0, 32);
}

/** The Settings of the install namespace (named `settings`), as the pure core picks it. */
function settingsOf(objects: readonly KubeObject[], installNamespace: string): Settings | undefined {
  const found = objects.find(
    (object) =>
      object.kind === 'Settings' &&
      object.metadata.name === 'settings' &&
      (object.metadata.namespace ?? installNamespace) === installNamespace,
  );
  return found as unknown as Settings | undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The root CA Secrets named by the VirtualMeshes of the management cluster, each watched on its own. */
export class RootCertificates {
  readonly #mgmt: KubeClient;
  readonly #installNamespace: string;
  readonly #onChange: () => void;
  readonly #log: Logger;
  readonly #watches = new Map<string, ClusterCache>();
  /** Roots this process wrote that its watch has not shown yet (read-your-writes). */
  readonly #pending = new Map<string, { resourceVersion: string; secret: SecretObject }>();
  #roots: { virtualMesh: VirtualMesh; root: RootCertificateAuthority }[] = [];

  constructor(mgmt: KubeClient, installNamespace: string, onChange: () => void, log: Logger) {
    this.#mgmt = mgmt;
    this.#installNamespace = installNamespace;
    this.#onChange = onChange;
    this.#log = log;
  }

  /**
   * Watch exactly the Secrets the (schema-valid) VirtualMeshes name, and only in the namespaces
   * roots may live in (a VirtualMesh naming one elsewhere is INVALID: its Secret is never read).
   */
  sync(virtualMeshes: readonly VirtualMesh[], settings: readonly KubeObject[] = []): void {
    const roots: { virtualMesh: VirtualMesh; root: RootCertificateAuthority }[] = [];
    const wanted = new Map<string, SecretRef>();
    const rootNamespaces = allowedRootNamespaces(this.#installNamespace, settingsOf(settings, this.#installNamespace));
    for (const virtualMesh of virtualMeshes) {
      const root = rootCertificateAuthority(virtualMesh, this.#installNamespace);
      if (root === undefined || typeof root === 'string') continue;
      if (!rootNamespaces.includes(root.secret.namespace)) continue;
      if (sharedTrustErrors(virtualMesh, this.#installNamespace, rootNamespaces).length > 0) continue;
      roots.push({ virtualMesh, root });
      wanted.set(secretKey(root.secret), root.secret);
    }
    this.#roots = roots;
    for (const [key, ref] of wanted) {
      if (this.#watches.has(key)) continue;
      const cache = new ClusterCache(
        this.#mgmt,
        [{ type: SECRET, namespace: ref.namespace, fieldSelector: `metadata.name=${ref.name}` }],
        this.#onChange,
      );
      this.#watches.set(key, cache);
      cache.start();
    }
    for (const [key, cache] of this.#watches) {
      if (wanted.has(key)) continue;
      cache.stop();
      this.#watches.delete(key);
      this.#pending.delete(key);
    }
  }

  /** Every watched root Secret has been listed once (before that, a missing root means nothing). */
  settled(): boolean {
    return [...this.#watches.values()].every((cache) => cache.settled());
  }

  stop(): void {
    for (const cache of this.#watches.values()) cache.stop();
    this.#watches.clear();
  }

  #secret(key: string): SecretObject | undefined {
    const watched = this.#watches.get(key)?.objectsOf(SECRET)[0] as SecretObject | undefined;
    const pending = this.#pending.get(key);
    if (pending === undefined) return watched;
    if (watched?.metadata.resourceVersion === pending.resourceVersion) {
      this.#pending.delete(key);
      return watched;
    }
    return pending.secret;
  }

  /** The root a Secret (`namespace/name`) holds, if it is watched and holds one. */
  root(key: string): RootCa | undefined {
    const secret = this.#secret(key);
    return secret === undefined ? undefined : rootOf(secret);
  }

  /** Root certificates by Secret, for the render (a root missing here holds its IssuedCertificates back). */
  certificates(): Map<string, string> {
    const found = new Map<string, string>();
    for (const key of this.#watches.keys()) {
      const root = this.root(key);
      if (root !== undefined) found.set(key, root.certificatePem);
    }
    return found;
  }

  /**
   * Creates the generated roots that do not exist yet, and replaces those whose options changed or
   * that are due for rotation. Returns what could not be done, per VirtualMesh.
   */
  async ensureGenerated(now = Date.now()): Promise<string[]> {
    const errors: string[] = [];
    for (const { virtualMesh, root } of this.#roots) {
      if (root.source !== 'generated') continue;
      const key = secretKey(root.secret);
      if (this.#watches.get(key)?.settled() !== true) continue;
      const existing = this.#secret(key);
      const hash = optionsHash(root);
      let reason: string | undefined;
      if (existing === undefined) reason = 'created';
      else if (existing.type !== SECRET_TYPES.generatedRoot)
        continue; // someone else's Secret: used as it is
      else if (existing.metadata.annotations?.[ROOT_OPTIONS_ANNOTATION] !== hash) reason = 'its options changed';
      else {
        const current = rootOf(existing);
        if (current === undefined) reason = 'it holds no root-cert.pem';
        else {
          const validity = certificateValidity(current.certificatePem);
          if (rotationDue(validity.notBefore, validity.notAfter, undefined, now)) reason = 'it is due for rotation';
        }
      }
      if (reason === undefined) continue;
      const name = `${virtualMesh.metadata.namespace ?? ''}/${virtualMesh.metadata.name}`;
      // The root being replaced stays trusted alongside the new one while the rotation rolls out.
      const previous = existing === undefined ? undefined : rootOf(existing)?.certificatePem;
      try {
        const generated = await generateRootCa({
          ttlDays: root.options.ttlDays,
          rsaKeySizeBytes: root.options.rsaKeySizeBytes,
          orgName: root.options.orgName,
        });
        const secret: SecretObject = {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: {
            name: root.secret.name,
            namespace: root.secret.namespace,
            labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_LABEL]: this.#installNamespace },
            annotations: { [ROOT_OPTIONS_ANNOTATION]: hash },
            ...(existing === undefined ? {} : { resourceVersion: existing.metadata.resourceVersion }),
          },
          type: SECRET_TYPES.generatedRoot,
          data: {
            [SECRET_KEYS.rootCert]: Buffer.from(generated.certificatePem).toString('base64'),
            [SECRET_KEYS.rootKey]: Buffer.from(generated.privateKeyPem).toString('base64'),
            ...(previous === undefined
              ? {}
              : { [SECRET_KEYS.previousRootCert]: Buffer.from(previous).toString('base64') }),
          },
        };
        // Create, or replace exactly the version read: a second writer (another replica) loses cleanly.
        const written = (
          existing === undefined
            ? await this.#mgmt.create(secret)
            : await this.#mgmt.request<KubeObject>(
                'PUT',
                resourcePath(SECRET, root.secret.namespace, root.secret.name),
                secret,
              )
        ) as SecretObject;
        this.#pending.set(key, { resourceVersion: written.metadata.resourceVersion ?? '', secret: written });
        this.#log.info({ virtualMesh: name, secret: key, reason }, 'root CA generated');
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 409) continue; // written meanwhile: the watch brings it
        errors.push(`VirtualMesh ${name}: cannot write the generated root CA Secret ${key}: ${errorText(error)}`);
      }
    }
    return errors;
  }
}

/** Why a CSR may not be signed under this root now: a weak key, a root near its end. */
export function signingRefusal(
  root: RootCa,
  action: { readonly certificateSigningRequest: string; readonly ttlDays: number },
  issuedCertificate: IssuedCertificate,
  now: number,
): string | undefined {
  let key;
  try {
    key = csrPublicKey(bytesToPem(action.certificateSigningRequest));
  } catch {
    return 'spec.certificateSigningRequest is not a PEM certificate signing request';
  }
  const weak = weakKeyProblem(key);
  if (weak !== undefined) return weak;
  const validity = validityOf(root.certificatePem);
  if (validity === undefined) return 'the root CA certificate cannot be parsed';
  return rootSigningProblem({
    ...validity,
    intermediateTtlDays: action.ttlDays,
    rotationRatio: issuedCertificate.spec.certOptions?.secretRotationGracePeriodRatio,
    now,
  });
}

export interface IssuerResult {
  readonly signed: number;
  readonly statusWritten: number;
  readonly errors: readonly string[];
}

/**
 * Signs the cert agents' CertificateRequests of one workload cluster with the roots their
 * IssuedCertificates name. Only IssuedCertificates this install wrote (its owner label) are
 * honoured, and the certificate's names come from the IssuedCertificate, never from the CSR.
 */
export class Issuer {
  readonly #installNamespace: string;
  readonly #log: Logger;
  /** `cluster/ns/name` → what was last signed (generation, root digest), until the watch shows it. */
  readonly #signed = new Map<string, string>();

  constructor(installNamespace: string, log: Logger) {
    this.#installNamespace = installNamespace;
    this.#log = log;
  }

  async run(
    cluster: string,
    cache: ClusterCache,
    roots: RootCertificates,
    identity: string,
    now = Date.now(),
  ): Promise<IssuerResult> {
    const issued = new Map<string, IssuedCertificate>();
    for (const object of cache.objectsOf(ISSUED_CERTIFICATE)) {
      // Only IssuedCertificates this management plane wrote (another plane's may share the install namespace's name).
      if (!ownedBy(object, this.#installNamespace, identity)) continue;
      issued.set(`${object.metadata.namespace ?? ''}/${object.metadata.name}`, object as unknown as IssuedCertificate);
    }
    let signed = 0;
    let statusWritten = 0;
    const errors: string[] = [];
    const seen = new Set<string>();
    for (const object of cache.objectsOf(CERTIFICATE_REQUEST)) {
      const request = object as unknown as CertificateRequest;
      const objectName = `${request.metadata.namespace ?? ''}/${request.metadata.name}`;
      const issuedCertificate = issued.get(objectName);
      // Requests for another install's (or nobody's) IssuedCertificate are not this issuer's.
      if (issuedCertificate === undefined) continue;
      const memo = `${cluster}/${objectName}`;
      seen.add(memo);
      const signingSecret = issuedCertificate.spec.glooMeshCa?.signingCertificateSecret ??
        issuedCertificate.spec.signingCertificateSecret ?? { name: '' };
      const rootKey = `${signingSecret.namespace ?? issuedCertificate.metadata.namespace ?? ''}/${signingSecret.name}`;
      const root = roots.root(rootKey);
      const step = issuerStep({
        certificateRequest: request,
        issuedCertificate,
        rootCertificate: root?.certificatePem,
      });
      let status = step.status;
      try {
        if (step.action.kind === 'sign') {
          const fingerprint = `${String(request.metadata.generation)}/${certificateDigest(root?.certificatePem ?? '')}`;
          // Signed already for this generation and root; the watch has not caught up with that status yet.
          if (this.#signed.get(memo) === fingerprint) continue;
          const refusal = root === undefined ? undefined : signingRefusal(root, step.action, issuedCertificate, now);
          if (root?.privateKeyPem === undefined) {
            status = failedRequestStatus(
              request,
              `the signing Secret ${rootKey} on the management cluster holds no ${SECRET_KEYS.rootKey}`,
            );
          } else if (refusal !== undefined) {
            // FAILED: the agent retries with back-off, instead of a re-issue on every pass.
            status = failedRequestStatus(request, refusal);
          } else {
            try {
              const certificatePem = await signIntermediate({
                csrPem: bytesToPem(step.action.certificateSigningRequest),
                root: { certificatePem: root.certificatePem, privateKeyPem: root.privateKeyPem },
                hosts: step.action.hosts,
                ttlDays: step.action.ttlDays,
              });
              status = signedRequestStatus(request, certificatePem, bundleOf(root, now));
              this.#signed.set(memo, fingerprint);
              signed++;
              this.#log.info({ cluster, certificateRequest: objectName, root: rootKey }, 'certificate request signed');
            } catch (error) {
              status = failedRequestStatus(request, `cannot sign: ${errorText(error)}`);
            }
          }
        }
        if (!statusDiffers({ ...object, status }, object)) continue;
        await cache.client.apply(
          {
            apiVersion: request.apiVersion,
            kind: request.kind,
            metadata: { name: request.metadata.name, namespace: request.metadata.namespace },
            status,
          },
          { subresource: 'status' },
        );
        statusWritten++;
      } catch (error) {
        errors.push(`CertificateRequest ${objectName}: ${errorText(error)}`);
      }
    }
    for (const memo of this.#signed.keys()) {
      if (memo.startsWith(`${cluster}/`) && !seen.has(memo)) this.#signed.delete(memo);
    }
    return { signed, statusWritten, errors };
  }
}

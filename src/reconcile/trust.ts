// Shared trust, the management plane's live half: the root CAs VirtualMeshes name (watched one
// Secret at a time; generated, and regenerated when their options change or they near expiry) and
// the issuer that signs the cert agents' CertificateRequests on workload clusters with them.
// What to issue and when to sign are the pure decisions of src/certs; this module does the I/O.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { fieldPath } from '../api/common/field-path.ts';
import type { KubeObject } from '../api/meta.ts';
import { OWNER_LABEL } from '../api/labels.ts';
import { DEFAULT_ROTATION_GRACE_RATIO, SECRET_KEYS, SECRET_TYPES } from '../certs/cert-defaults.ts';
import {
  certificateMatchesKey,
  certificateValidity,
  csrPublicKey,
  generateRootCa,
  csrSignatureValid,
  signIntermediate,
} from '../certs/crypto.ts';
import {
  CertificateRequestSpec,
  CertificateRequestStatus as CertificateRequestStatusSchema,
} from '../api/certificates/v1/certificate-request.ts';
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
  type RootCertificateEntry,
  type UnusableRoot,
  type SecretRef,
} from '../certs/issued-certificates.ts';
import {
  bytesToPem,
  certificateDigest,
  failedRequestStatus,
  issuerStep,
  rotationDue,
  signingSecretOf,
  signedRequestStatus,
  type CertificateRequest,
  type CertificateRequestStatus,
  type IssuedCertificate,
} from '../certs/phases.ts';
import { memberTrust, rollDecision, type MemberTrust, type RollDecision, type RollRoots } from '../certs/root-roll.ts';
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
  /** Its key (previous-root-key.pem): it signs while a rotation distributes the new root (root-roll.ts). */
  readonly previousPrivateKeyPem?: string | undefined;
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
    previousPrivateKeyPem: decoded(secret, SECRET_KEYS.previousRootKey),
  };
}

/** Checked once per Secret object the watch hands out (the cache keeps the object until it changes). */
const checkedRoots = new WeakMap<SecretObject, RootCa | UnusableRoot | undefined>();

/**
 * The root a Secret holds, or why it cannot be used: its root-cert.pem does not parse, or its
 * key.pem is not that certificate's private key. The reason names the Secret and the key only.
 */
export function checkedRootOf(secret: SecretObject): RootCa | UnusableRoot | undefined {
  if (checkedRoots.has(secret)) return checkedRoots.get(secret);
  const root = rootOf(secret);
  const name = `Secret ${secret.metadata.namespace ?? ''}/${secret.metadata.name}`;
  let result: RootCa | UnusableRoot | undefined = root;
  if (root !== undefined && validityOf(root.certificatePem) === undefined) {
    result = { unusable: `${name}: ${SECRET_KEYS.rootCert} is not a PEM certificate` };
  } else if (root?.privateKeyPem !== undefined && !certificateMatchesKey(root.certificatePem, root.privateKeyPem)) {
    result = { unusable: `${name}: ${SECRET_KEYS.rootKey} is not the PEM private key of its ${SECRET_KEYS.rootCert}` };
  } else if (
    root?.previousPrivateKeyPem !== undefined &&
    (root.previousCertificatePem === undefined ||
      !certificateMatchesKey(root.previousCertificatePem, root.previousPrivateKeyPem))
  ) {
    // A previous key that is not the previous root's: that root does not sign (the roll switches at once).
    result = { ...root, previousPrivateKeyPem: undefined };
  }
  checkedRoots.set(secret, result);
  return result;
}

function isUnusable(root: RootCa | UnusableRoot | undefined): root is UnusableRoot {
  return root !== undefined && 'unusable' in root;
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

  /** The root a Secret (`namespace/name`) holds, if it is watched and holds one, or why it is unusable. */
  root(key: string): RootCa | UnusableRoot | undefined {
    const secret = this.#secret(key);
    return secret === undefined ? undefined : checkedRootOf(secret);
  }

  /**
   * Root certificates by Secret, for the render: a root missing here holds its IssuedCertificates
   * back; an unusable one too, and its reason fails the VirtualMeshes that name it (only those).
   */
  certificates(): Map<string, RootCertificateEntry> {
    const found = new Map<string, RootCertificateEntry>();
    for (const key of this.#watches.keys()) {
      const root = this.root(key);
      if (root !== undefined) found.set(key, isUnusable(root) ? root : root.certificatePem);
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
      const name = `${virtualMesh.metadata.namespace ?? ''}/${virtualMesh.metadata.name}`;
      let reason: string | undefined;
      let previous: { certificatePem: string; privateKeyPem: string | undefined } | undefined;
      try {
        const current = existing === undefined ? undefined : checkedRootOf(existing);
        if (existing === undefined) reason = 'created';
        else if (existing.type !== SECRET_TYPES.generatedRoot)
          continue; // someone else's Secret: used as it is
        // Unparsable: kept as it is for the operator to look at (the render fails the VirtualMeshes naming it).
        else if (isUnusable(current)) continue;
        else if (existing.metadata.annotations?.[ROOT_OPTIONS_ANNOTATION] !== hash) reason = 'its options changed';
        else if (current === undefined) reason = 'it holds no root-cert.pem';
        else {
          const validity = certificateValidity(current.certificatePem);
          // Twice as early as the issuer stops signing under a root (trust-policy.ts rootSigningProblem):
          // the old root still signs while the new one is distributed (root-roll.ts).
          if (rotationDue(validity.notBefore, validity.notAfter, 2 * DEFAULT_ROTATION_GRACE_RATIO, now))
            reason = 'it is due for rotation';
        }
        if (reason === undefined) continue;
        // The root being replaced stays trusted alongside the new one while the rotation rolls out.
        previous =
          current === undefined || isUnusable(current)
            ? undefined
            : { certificatePem: current.certificatePem, privateKeyPem: current.privateKeyPem };
      } catch {
        // This VirtualMesh's root, never the other VirtualMeshes' (they are still generated below).
        // (The error's text is not passed on: it could quote the Secret's content.)
        errors.push(`VirtualMesh ${name}: cannot check the root CA Secret ${key}`);
        continue;
      }
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
              : { [SECRET_KEYS.previousRootCert]: Buffer.from(previous.certificatePem).toString('base64') }),
            // The previous root keeps signing until every member trusts the new one (root-roll.ts).
            ...(previous?.privateKeyPem === undefined
              ? {}
              : { [SECRET_KEYS.previousRootKey]: Buffer.from(previous.privateKeyPem).toString('base64') }),
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

/** The render's root entries, with the rolls still distributing a new root said on theirs. */
export function withRollWaiting(
  certificates: Map<string, RootCertificateEntry>,
  waiting: ReadonlyMap<string, string>,
): Map<string, RootCertificateEntry> {
  for (const [key, rolling] of waiting) {
    const entry = certificates.get(key);
    if (typeof entry === 'string') certificates.set(key, { certificatePem: entry, rolling });
  }
  return certificates;
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

/**
 * Why a CertificateRequest (as read from a workload cluster, anything) cannot be handled: the first
 * field of spec or status that is not of its type, named. Undefined when it is well-formed.
 */
export function requestShapeProblem(object: KubeObject): string | undefined {
  // Once per object the cache hands out (it keeps the object until it changes): every pass of every
  // cluster looks at every request.
  if (checkedRequests.has(object)) return checkedRequests.get(object);
  const problem = shapeProblem(object);
  checkedRequests.set(object, problem);
  return problem;
}

const checkedRequests = new WeakMap<KubeObject, string | undefined>();
// Fields this version does not know are not its concern (a newer agent's): only known ones are checked.
const requestSpecFields = z.object(CertificateRequestSpec.shape);
const requestStatusFields = z.object(CertificateRequestStatusSchema.shape);

function shapeProblem(object: KubeObject): string | undefined {
  const { spec, status } = object as { spec?: unknown; status?: unknown };
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return 'spec: not an object';
  const parsedSpec = requestSpecFields.safeParse(spec);
  if (!parsedSpec.success) return fieldProblem('spec', parsedSpec.error.issues[0]);
  if (status === undefined) return undefined;
  if (typeof status !== 'object' || status === null || Array.isArray(status)) return 'status: not an object';
  const parsedStatus = requestStatusFields.safeParse(status);
  return parsedStatus.success ? undefined : fieldProblem('status', parsedStatus.error.issues[0]);
}

/** `spec.certificateSigningRequest: must be base64`: the field and zod's message (never the value). */
function fieldProblem(
  root: string,
  issue: { readonly path: readonly PropertyKey[]; readonly message: string } | undefined,
): string {
  if (issue === undefined) return `${root}: invalid`;
  return `${fieldPath([root, ...issue.path])}: ${issue.message}`;
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
  /** Root Secret → what its roll last waited for (logged when it changes). */
  readonly #waiting = new Map<string, string>();

  readonly #onRollChange: () => void;

  constructor(installNamespace: string, log: Logger, onRollChange: () => void = () => undefined) {
    this.#installNamespace = installNamespace;
    this.#log = log;
    this.#onRollChange = onRollChange;
  }

  /** Root Secret → what its roll waits for (the render says it on the VirtualMesh's members). */
  rollWaiting(): ReadonlyMap<string, string> {
    return this.#waiting;
  }

  async run(
    cluster: string,
    cache: ClusterCache,
    roots: RootCertificates,
    identity: string,
    now = Date.now(),
    /** Every registered cluster's cache (undefined: not connected), to see where a root roll stands. */
    members: ReadonlyMap<string, ClusterCache | undefined> = new Map([[cluster, cache]]),
  ): Promise<IssuerResult> {
    const decisions = new Map<string, RollDecision>();
    const decide = (rootKey: string, root: RootCa): RollDecision => {
      let decision = decisions.get(rootKey);
      if (decision === undefined) {
        decision = this.#rollDecision(rootKey, root, members, identity, now);
        decisions.set(rootKey, decision);
      }
      return decision;
    };
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
      try {
        // Each request on its own: a malformed one is FAILED (the field named), the others are signed.
        const next = await this.#statusFor(request, issuedCertificate, roots, decide, memo, objectName, cluster, now);
        if (next === undefined) continue;
        const { status } = next;
        if (next.signed) signed++;
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

  /** The status one CertificateRequest is to have now (undefined: leave it as it is). */
  async #statusFor(
    request: CertificateRequest,
    issuedCertificate: IssuedCertificate,
    roots: RootCertificates,
    decide: (rootKey: string, root: RootCa) => RollDecision,
    memo: string,
    objectName: string,
    cluster: string,
    now: number,
  ): Promise<{ status: CertificateRequestStatus; signed: boolean } | undefined> {
    const failed = (error: string) => ({ status: failedRequestStatus(request, error), signed: false });
    const shape = requestShapeProblem(request);
    if (shape !== undefined) return failed(shape);
    const signingSecret = issuedCertificate.spec.glooMeshCa?.signingCertificateSecret ??
      issuedCertificate.spec.signingCertificateSecret ?? { name: '' };
    const rootKey = `${signingSecret.namespace ?? issuedCertificate.metadata.namespace ?? ''}/${signingSecret.name}`;
    const checked = roots.root(rootKey);
    const usable = isUnusable(checked) ? undefined : checked;
    const decision = usable === undefined ? undefined : decide(rootKey, usable);
    // In a roll's distribute phase the previous root signs (rollDecision checked it holds its key).
    const root: RootCa | undefined =
      usable !== undefined && decision?.signWith === 'previous'
        ? {
            certificatePem: usable.previousCertificatePem ?? '',
            privateKeyPem: usable.previousPrivateKeyPem,
            previousCertificatePem: undefined,
            previousPrivateKeyPem: undefined,
          }
        : usable;
    const step = issuerStep({
      certificateRequest: request,
      issuedCertificate,
      rootCertificate: root?.certificatePem,
      requiredRoot: decision?.requiredRootPem,
    });
    // An unusable root is said as such (Secret and key named), not as a missing one.
    if (isUnusable(checked)) return failed(`the signing ${checked.unusable}`);
    if (step.action.kind !== 'sign') return { status: step.status, signed: false };
    const fingerprint = `${String(request.metadata.generation)}/${certificateDigest(root?.certificatePem ?? '')}/${certificateDigest(decision?.bundle ?? '')}`;
    // Signed already for this generation and root; the watch has not caught up with that status yet.
    if (this.#signed.get(memo) === fingerprint) return undefined;
    const refusal = root === undefined ? undefined : signingRefusal(root, step.action, issuedCertificate, now);
    if (root?.privateKeyPem === undefined) {
      return failed(`the signing Secret ${rootKey} on the management cluster holds no ${SECRET_KEYS.rootKey}`);
    }
    // FAILED: the agent retries with back-off, instead of a re-issue on every pass.
    if (refusal !== undefined) return failed(refusal);
    const csrPem = bytesToPem(step.action.certificateSigningRequest);
    if (!(await csrSignatureValid(csrPem))) {
      return failed('spec.certificateSigningRequest: not signed by its own key');
    }
    let certificatePem: string;
    try {
      certificatePem = await signIntermediate({
        csrPem,
        root: { certificatePem: root.certificatePem, privateKeyPem: root.privateKeyPem },
        hosts: step.action.hosts,
        ttlDays: step.action.ttlDays,
      });
    } catch (error) {
      return failed(`cannot sign: ${errorText(error)}`);
    }
    this.#signed.set(memo, fingerprint);
    this.#log.info({ cluster, certificateRequest: objectName, root: rootKey }, 'certificate request signed');
    return {
      status: signedRequestStatus(request, certificatePem, decision?.bundle ?? bundleOf(root, now)),
      signed: true,
    };
  }

  /** Where the roll of one root stands: which root signs and which bundle goes out (root-roll.ts). */
  #rollDecision(
    rootKey: string,
    root: RootCa,
    members: ReadonlyMap<string, ClusterCache | undefined>,
    identity: string,
    now: number,
  ): RollDecision {
    const previousPem = root.previousCertificatePem;
    const validity = previousPem === undefined ? undefined : validityOf(previousPem);
    const previous: RollRoots['previous'] =
      previousPem === undefined || validity === undefined
        ? undefined
        : {
            pem: previousPem,
            notAfter: validity.notAfter,
            canSign: root.previousPrivateKeyPem !== undefined,
            refusal: rootSigningProblem({ ...validity, intermediateTtlDays: undefined, now }),
          };
    const roots: RollRoots = { currentPem: root.certificatePem, previous };
    // No roll under way (the usual case): no member is looked at.
    if (previous === undefined || previous.notAfter <= now || !previous.canSign || previous.refusal !== undefined) {
      if (this.#waiting.delete(rootKey)) this.#onRollChange();
      return rollDecision(roots, [], now);
    }
    const states: MemberTrust[] = [];
    for (const [name, memberCache] of members) {
      const state = this.#memberState(name, memberCache, rootKey, root.certificatePem, identity);
      if (state !== undefined) states.push(state);
    }
    const decision = rollDecision(roots, states, now);
    if ((decision.waiting ?? '') !== (this.#waiting.get(rootKey) ?? '')) {
      if (decision.waiting === undefined) {
        this.#waiting.delete(rootKey);
        this.#log.info({ root: rootKey }, 'root rotation: every member trusts the new root; signing with it');
      } else {
        this.#waiting.set(rootKey, decision.waiting);
        this.#log.info({ root: rootKey, waiting: decision.details }, 'root rotation: distributing the new root');
      }
      this.#onRollChange();
    }
    return decision;
  }

  /** One cluster's part in the roll of a root; undefined when it holds no certificate of that root. */
  #memberState(
    name: string,
    cache: ClusterCache | undefined,
    rootKey: string,
    currentPem: string,
    identity: string,
  ): MemberTrust | undefined {
    // Not listed yet: whether it is a member is not known, so it holds the switch back.
    if (cache === undefined || !cache.settled()) return { cluster: name, state: 'unknown' };
    const requests = new Map<string, CertificateRequest>();
    for (const object of cache.objectsOf(CERTIFICATE_REQUEST)) {
      requests.set(
        `${object.metadata.namespace ?? ''}/${object.metadata.name}`,
        object as unknown as CertificateRequest,
      );
    }
    const certificates: { issuedCertificate: IssuedCertificate; certificateRequest: CertificateRequest | undefined }[] =
      [];
    for (const object of cache.objectsOf(ISSUED_CERTIFICATE)) {
      if (!ownedBy(object, this.#installNamespace, identity)) continue;
      const issuedCertificate = object as unknown as IssuedCertificate;
      const secret = signingSecretOf(issuedCertificate);
      if (secret === undefined || `${secret.namespace}/${secret.name}` !== rootKey) continue;
      const key = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
      certificates.push({ issuedCertificate, certificateRequest: requests.get(key) });
    }
    if (certificates.length === 0) return undefined;
    // Its last known objects say it is a member, but what it holds now is not known.
    if (cache.health().unreachable) return { cluster: name, state: 'unknown' };
    return memberTrust(name, certificates, currentPem);
  }
}

// The role-based API's validating admission webhook, served by the management plane over HTTPS.
// Its CA and serving certificate live in a Secret of the install namespace: created on first start,
// the serving certificate re-issued by the same CA when two thirds of its life have passed (or on
// `rotate()`), so the caBundle the API server trusts never changes during a rotation and no request
// fails. Every replica reloads the Secret each sync and swaps its TLS context for new connections.
// The caBundle of the ValidatingWebhookConfiguration is kept equal to the CA (server-side apply of
// that one field); the mode (permissive or enforcing) is read from its annotation.
import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { RBAC_MODE_ANNOTATION } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import { RoleBindingSpec } from '../api/rbac/v1/role-binding.ts';
import { RoleSpec } from '../api/rbac/v1/role.ts';
import { generateRootCa, issueServingCertificate, type KeyAndCertificate } from '../certs/crypto.ts';
import {
  RBAC_WEBHOOK_PATH,
  RBAC_WEBHOOK_SECRET,
  RBAC_WEBHOOK_SERVICE,
  rbacWebhookConfigurationName,
  rbacWebhookName,
  type RbacMode,
} from '../install/rbac-webhook.ts';
import { ClusterCache } from '../kube/cache.ts';
import { KubeApiError, type KubeClient } from '../kube/client.ts';
import {
  MESH_HUB_ROLE,
  MESH_HUB_ROLE_BINDING,
  resourcePath,
  SECRET,
  VALIDATING_WEBHOOK_CONFIGURATION,
} from '../kube/resources.ts';
import { AdmissionReview, answerAdmissionReview } from '../rbac/admission-review.ts';
import type { NamedRole, NamedRoleBinding } from '../rbac/decide.ts';

const DAY_MS = 24 * 3600_000;
/** The field manager of the caBundle, apart from install's, so a re-install never clears it. */
const CA_BUNDLE_MANAGER = 'mesh-hub-rbac-webhook';
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface RbacWebhookOptions {
  readonly mgmt: KubeClient;
  readonly namespace: string;
  readonly host: string;
  readonly port: number;
  readonly log: Logger;
  /** Extra IP SANs of the serving certificate (a management plane outside the cluster: 127.0.0.1). */
  readonly ipAddresses?: readonly string[];
  readonly certificateTtlMs?: number;
  readonly caTtlDays?: number;
  readonly syncIntervalMs?: number;
}

export interface RbacWebhookState {
  readonly mode: RbacMode;
  readonly certificateNotAfter?: number;
  readonly certificateSerial?: string;
  readonly rolesSynced: boolean;
  readonly lastError?: string;
}

export interface RbacWebhook {
  readonly port: number;
  /** Re-issue the serving certificate now (signed by the same CA). */
  rotate(): Promise<void>;
  /** One sync: Secret, TLS context, caBundle, mode. */
  sync(): Promise<void>;
  state(): RbacWebhookState;
  stop(): Promise<void>;
}

interface StoredCertificates {
  readonly ca: KeyAndCertificate;
  readonly serving: KeyAndCertificate;
  readonly resourceVersion?: string;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const unb64 = (text: unknown) => (typeof text === 'string' ? Buffer.from(text, 'base64').toString('utf8') : '');

function readStored(secret: KubeObject | undefined): StoredCertificates | undefined {
  const data = (secret as { data?: Record<string, string> } | undefined)?.data;
  if (data === undefined) return undefined;
  const [caCrt, caKey, tlsCrt, tlsKey] = [data['ca.crt'], data['ca.key'], data['tls.crt'], data['tls.key']].map(unb64);
  if (caCrt === '' || caKey === '' || tlsCrt === '' || tlsKey === '') return undefined;
  return {
    ca: { certificatePem: caCrt ?? '', privateKeyPem: caKey ?? '' },
    serving: { certificatePem: tlsCrt ?? '', privateKeyPem: tlsKey ?? '' },
    ...(secret?.metadata.resourceVersion === undefined ? {} : { resourceVersion: secret.metadata.resourceVersion }),
  };
}

/** Due for re-issue: two thirds of its life passed, expired, or not valid for one of the names it must serve. */
function servingDue(pem: string, now: number, dnsNames: readonly string[], ips: readonly string[]): boolean {
  try {
    const certificate = new X509Certificate(pem);
    const from = Date.parse(certificate.validFrom);
    const to = Date.parse(certificate.validTo);
    if (now >= from + ((to - from) * 2) / 3) return true;
    if (ips.some((ip) => certificate.checkIP(ip) === undefined)) return true;
    return dnsNames.some((name) => certificate.checkHost(name) === undefined);
  } catch {
    return true;
  }
}

function roleOf(object: KubeObject, log: Logger): NamedRole[] {
  const parsed = RoleSpec.safeParse((object as { spec?: unknown }).spec ?? {});
  if (parsed.success) return [{ metadata: object.metadata, spec: parsed.data }];
  log.warn({ role: `${object.metadata.namespace ?? ''}/${object.metadata.name}` }, 'ignoring an invalid Role');
  return [];
}

function bindingOf(object: KubeObject, log: Logger): NamedRoleBinding[] {
  const parsed = RoleBindingSpec.safeParse((object as { spec?: unknown }).spec ?? {});
  if (parsed.success) return [{ metadata: object.metadata, spec: parsed.data }];
  log.warn(
    { binding: `${object.metadata.namespace ?? ''}/${object.metadata.name}` },
    'ignoring an invalid RoleBinding',
  );
  return [];
}

export async function startRbacWebhook(options: RbacWebhookOptions): Promise<RbacWebhook> {
  const { mgmt, namespace, log } = options;
  const ttlMs = options.certificateTtlMs ?? 30 * DAY_MS;
  const dnsNames = [
    RBAC_WEBHOOK_SERVICE,
    `${RBAC_WEBHOOK_SERVICE}.${namespace}`,
    `${RBAC_WEBHOOK_SERVICE}.${namespace}.svc`,
    `${RBAC_WEBHOOK_SERVICE}.${namespace}.svc.cluster.local`,
  ];
  const ips = options.ipAddresses ?? ['127.0.0.1'];
  const vwcName = rbacWebhookConfigurationName(namespace);
  let mode: RbacMode = 'enforcing';
  let lastError: string | undefined;
  let current: StoredCertificates | undefined;

  const cache = new ClusterCache(
    mgmt,
    [
      { type: MESH_HUB_ROLE, namespace },
      { type: MESH_HUB_ROLE_BINDING, namespace },
    ],
    () => undefined,
  );
  cache.start();

  async function issue(ca: KeyAndCertificate): Promise<KeyAndCertificate> {
    return issueServingCertificate({ ca, dnsNames, ipAddresses: ips, ttlMs });
  }

  async function writeSecret(stored: StoredCertificates, existing: boolean): Promise<StoredCertificates> {
    const body = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: RBAC_WEBHOOK_SECRET,
        namespace,
        ...(stored.resourceVersion === undefined ? {} : { resourceVersion: stored.resourceVersion }),
      },
      data: {
        'ca.crt': b64(stored.ca.certificatePem),
        'ca.key': b64(stored.ca.privateKeyPem),
        'tls.crt': b64(stored.serving.certificatePem),
        'tls.key': b64(stored.serving.privateKeyPem),
      },
    };
    const written = existing
      ? await mgmt.request<KubeObject>('PUT', resourcePath(SECRET, namespace, RBAC_WEBHOOK_SECRET), body)
      : await mgmt.create(body);
    return {
      ...stored,
      ...(written.metadata.resourceVersion === undefined ? {} : { resourceVersion: written.metadata.resourceVersion }),
    };
  }

  /** The stored certificates, created or re-issued when due; a conflicting writer's copy wins. */
  async function ensureCertificates(force: boolean): Promise<StoredCertificates> {
    const secret = await mgmt.get(SECRET, RBAC_WEBHOOK_SECRET, namespace);
    const stored = readStored(secret);
    try {
      if (stored === undefined) {
        const ca = await generateRootCa({ orgName: 'mesh-hub-rbac-webhook', ttlDays: options.caTtlDays ?? 3650 });
        const created = {
          ca,
          serving: await issue(ca),
          ...(secret?.metadata.resourceVersion === undefined
            ? {}
            : { resourceVersion: secret.metadata.resourceVersion }),
        };
        return await writeSecret(created, secret !== undefined);
      }
      if (force || servingDue(stored.serving.certificatePem, Date.now(), dnsNames, ips)) {
        const rotated = await writeSecret({ ...stored, serving: await issue(stored.ca) }, true);
        log.info(
          { notAfter: new X509Certificate(rotated.serving.certificatePem).validTo },
          'rotated the role-based API webhook certificate',
        );
        return rotated;
      }
      return stored;
    } catch (error) {
      // Another replica wrote first: use its certificates.
      if (error instanceof KubeApiError && (error.status === 409 || error.status === 422)) {
        const again = readStored(await mgmt.get(SECRET, RBAC_WEBHOOK_SECRET, namespace));
        if (again !== undefined) return again;
      }
      throw error;
    }
  }

  /** The caBundle in step with the CA, and the mode from the configuration's annotation. */
  async function syncConfiguration(caPem: string): Promise<void> {
    const vwc = (await mgmt.get(VALIDATING_WEBHOOK_CONFIGURATION, vwcName)) as
      (KubeObject & { webhooks?: { name: string; clientConfig?: { caBundle?: string } }[] }) | undefined;
    if (vwc === undefined) {
      lastError = `ValidatingWebhookConfiguration ${vwcName} not found (run meshctl install)`;
      return;
    }
    const annotated = vwc.metadata.annotations?.[RBAC_MODE_ANNOTATION];
    mode = annotated === 'permissive' ? 'permissive' : 'enforcing';
    const name = rbacWebhookName(namespace);
    const bundle = b64(caPem);
    if (vwc.webhooks?.find((w) => w.name === name)?.clientConfig?.caBundle === bundle) return;
    const query = new URLSearchParams({ fieldManager: CA_BUNDLE_MANAGER, force: 'true' });
    await mgmt.request(
      'PATCH',
      `${resourcePath(VALIDATING_WEBHOOK_CONFIGURATION, undefined, vwcName)}?${query.toString()}`,
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name: vwcName },
        webhooks: [{ name, clientConfig: { caBundle: bundle } }],
      },
      'application/apply-patch+yaml',
    );
    log.info({ configuration: vwcName }, 'set the caBundle of the role-based API webhook');
  }

  const first = await ensureCertificates(false);
  current = first;
  const server: Server = createServer(
    { cert: first.serving.certificatePem, key: first.serving.privateKeyPem },
    (request, response) => {
      handle(request, response);
    },
  );

  function reply(response: ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/healthz') {
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
      return;
    }
    if (request.method !== 'POST' || path !== RBAC_WEBHOOK_PATH) {
      response.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) request.destroy();
      else chunks.push(chunk);
    });
    request.on('end', () => {
      let parsed: ReturnType<typeof AdmissionReview.safeParse>;
      try {
        parsed = AdmissionReview.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reply(response, 400, { error: 'the body is not JSON' });
        return;
      }
      if (!parsed.success) {
        reply(response, 400, { error: `not an AdmissionReview: ${parsed.error.issues[0]?.message ?? ''}` });
        return;
      }
      const review = parsed.data;
      if (!cache.health().synced) {
        // Unknown is not empty: without the Roles and RoleBindings, nothing is allowed (unless permissive).
        const message = 'Mesh Hub role-based API: Roles and RoleBindings are not read yet; try again';
        reply(response, 200, {
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          response:
            mode === 'permissive'
              ? { uid: review.request.uid, allowed: true, warnings: [message] }
              : {
                  uid: review.request.uid,
                  allowed: false,
                  status: { code: 503, reason: 'ServiceUnavailable', message },
                },
        });
        return;
      }
      const roles = cache.objectsOf(MESH_HUB_ROLE).flatMap((o) => roleOf(o, log));
      const bindings = cache.objectsOf(MESH_HUB_ROLE_BINDING).flatMap((o) => bindingOf(o, log));
      const answer = answerAdmissionReview(review, mode === 'permissive', roles, bindings);
      const fields = { user: review.request.userInfo.username, operation: review.request.operation, mode };
      if (!answer.decision.allowed)
        log.info(
          { ...fields, allowed: answer.review.response.allowed, reason: answer.decision.reason },
          mode === 'permissive' ? 'would deny (permissive mode)' : 'denied',
        );
      else log.debug({ ...fields, ...(answer.decision.governed ? { role: answer.decision.role } : {}) }, 'allowed');
      reply(response, 200, answer.review);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  log.info(
    { address: `${options.host}:${String(port)}`, path: RBAC_WEBHOOK_PATH },
    'serving the role-based API webhook',
  );

  function use(stored: StoredCertificates): void {
    if (current?.serving.certificatePem !== stored.serving.certificatePem)
      server.setSecureContext({ cert: stored.serving.certificatePem, key: stored.serving.privateKeyPem });
    current = stored;
  }

  let running: Promise<void> | undefined;
  async function sync(force = false): Promise<void> {
    // One sync at a time; a forced one waits for the running one and then runs.
    while (running !== undefined) await running;
    running = (async () => {
      try {
        const stored = await ensureCertificates(force);
        use(stored);
        lastError = undefined;
        await syncConfiguration(stored.ca.certificatePem);
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        log.warn({ error: lastError }, 'role-based API webhook sync failed; retrying');
      } finally {
        running = undefined;
      }
    })();
    await running;
  }

  await sync();
  const timer = setInterval(() => {
    void sync();
  }, options.syncIntervalMs ?? 10_000);
  timer.unref();

  return {
    port,
    rotate: () => sync(true),
    sync: () => sync(),
    state: () => {
      const certificate = current === undefined ? undefined : new X509Certificate(current.serving.certificatePem);
      return {
        mode,
        rolesSynced: cache.health().synced,
        ...(certificate === undefined
          ? {}
          : { certificateNotAfter: Date.parse(certificate.validTo), certificateSerial: certificate.serialNumber }),
        ...(lastError === undefined ? {} : { lastError }),
      };
    },
    stop: async () => {
      clearInterval(timer);
      cache.stop();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
    },
  };
}

// `meshctl check`'s line for the role-based API webhook: configured (mode, failure policy, caBundle),
// reachable (as the API server would call it), and how long its serving certificate has left.
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { RBAC_MODE_ANNOTATION } from '../api/labels.ts';
import {
  RBAC_WEBHOOK_SECRET,
  RBAC_WEBHOOK_SERVICE,
  rbacWebhookConfigurationName,
  rbacWebhookName,
} from '../install/rbac-webhook.ts';
import { KubeApiError, type KubeClient } from '../kube/client.ts';
import { SECRET, VALIDATING_WEBHOOK_CONFIGURATION } from '../kube/resources.ts';

export interface WebhookCheck {
  readonly status: 'PASS' | 'WARN' | 'FAIL';
  readonly detail: string;
  readonly fix?: string;
}

interface Webhook {
  readonly name: string;
  readonly failurePolicy?: string;
  readonly clientConfig?: {
    readonly url?: string;
    readonly caBundle?: string;
    readonly service?: { readonly namespace: string; readonly name: string; readonly port?: number };
  };
}

const WARN_BEFORE_MS = 7 * 24 * 3600_000;

/** GET /healthz at the webhook's URL, trusting only the caBundle; the serving certificate's expiry. */
async function probeUrl(
  url: string,
  ca: string,
): Promise<{ ok: true; notAfter: number } | { ok: false; error: string }> {
  const target = new URL('/healthz', url);
  return new Promise((resolve) => {
    const req = request(target, { ca, timeout: 3000 }, (response) => {
      const peer = response.socket as { getPeerCertificate?: () => { valid_to?: string } };
      const notAfter = Date.parse(peer.getPeerCertificate?.().valid_to ?? '');
      response.resume();
      resolve(
        response.statusCode === 200
          ? { ok: true, notAfter }
          : { ok: false, error: `HTTP ${String(response.statusCode)} from ${target.origin}` },
      );
    });
    req.on('timeout', () => {
      req.destroy(new Error(`no answer from ${target.origin} within 3 s`));
    });
    req.on('error', (error) => {
      resolve({ ok: false, error: error.message });
    });
    req.end();
  });
}

async function servingNotAfter(mgmt: KubeClient, namespace: string): Promise<number | undefined> {
  try {
    const secret = (await mgmt.get(SECRET, RBAC_WEBHOOK_SECRET, namespace)) as
      { data?: Record<string, string> } | undefined;
    const pem = secret?.data?.['tls.crt'];
    return pem === undefined ? undefined : Date.parse(new X509Certificate(Buffer.from(pem, 'base64')).validTo);
  } catch {
    return undefined;
  }
}

export async function checkRbacWebhook(mgmt: KubeClient, namespace: string, now = Date.now()): Promise<WebhookCheck> {
  const name = rbacWebhookConfigurationName(namespace);
  const vwc = (await mgmt.get(VALIDATING_WEBHOOK_CONFIGURATION, name)) as
    { metadata: { annotations?: Record<string, string> }; webhooks?: Webhook[] } | undefined;
  if (vwc === undefined)
    return {
      status: 'WARN',
      detail: `not configured (no ValidatingWebhookConfiguration ${name}): policy writes are not checked`,
      fix: `run \`meshctl install -n ${namespace}\``,
    };
  const webhook = vwc.webhooks?.find((w) => w.name === rbacWebhookName(namespace));
  const mode = vwc.metadata.annotations?.[RBAC_MODE_ANNOTATION] ?? 'enforcing';
  const policy = webhook?.failurePolicy ?? 'Fail';
  const head = `${mode}, failure policy ${policy}`;
  const caBundle = webhook?.clientConfig?.caBundle ?? '';
  if (caBundle === '')
    return {
      status: policy === 'Fail' ? 'FAIL' : 'WARN',
      detail: `${head}: no caBundle yet (the management plane has not served the webhook)`,
      fix: 'start the management plane (meshhub controller --rbac-webhook-listen HOST:PORT)',
    };
  const ca = Buffer.from(caBundle, 'base64').toString('utf8');
  let reach: { ok: true; notAfter?: number } | { ok: false; error: string };
  let where: string;
  const url = webhook?.clientConfig?.url;
  const service = webhook?.clientConfig?.service;
  if (url !== undefined) {
    where = url;
    reach = await probeUrl(url, ca);
  } else {
    where = `service ${service?.namespace ?? namespace}/${service?.name ?? RBAC_WEBHOOK_SERVICE}`;
    try {
      await mgmt.request(
        'GET',
        `/api/v1/namespaces/${service?.namespace ?? namespace}/services/https:${service?.name ?? RBAC_WEBHOOK_SERVICE}:${String(service?.port ?? 443)}/proxy/healthz`,
      );
      const notAfter = await servingNotAfter(mgmt, namespace);
      reach = notAfter === undefined ? { ok: true } : { ok: true, notAfter };
    } catch (error) {
      reach = { ok: false, error: error instanceof KubeApiError ? error.message : String(error) };
    }
  }
  if (!reach.ok) {
    const effect =
      policy === 'Fail'
        ? 'the API server denies every TrafficPolicy, AccessPolicy, VirtualMesh and VirtualDestination write'
        : 'policy writes are allowed unchecked';
    return {
      status: policy === 'Fail' ? 'FAIL' : 'WARN',
      detail: `${head}: not reachable at ${where} (${reach.error}): ${effect}`,
      fix: 'check that the management plane runs and serves the webhook (meshhub controller --rbac-webhook-listen)',
    };
  }
  const notAfter = reach.notAfter;
  if (notAfter === undefined || !Number.isFinite(notAfter))
    return { status: 'PASS', detail: `${head}, reachable at ${where}` };
  const days = Math.floor((notAfter - now) / (24 * 3600_000));
  const expiry = `certificate valid until ${new Date(notAfter).toISOString()} (${String(days)} days)`;
  return notAfter - now < WARN_BEFORE_MS
    ? {
        status: 'WARN',
        detail: `${head}, reachable at ${where}, ${expiry}: not rotated`,
        fix: 'the management plane rotates it at two thirds of its life; check its log',
      }
    : { status: 'PASS', detail: `${head}, reachable at ${where}, ${expiry}` };
}

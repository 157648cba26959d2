// `meshctl install` / `meshctl uninstall`: Mesh Hub on the management cluster.
import { describeObject } from '../../snapshot/input.ts';
import { meshHubCrds } from '../../install/crd-files.ts';
import {
  CONTROLLER_NAME,
  DEFAULT_IMAGE,
  DEFAULT_SETTINGS_NAME,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  installObjects,
} from '../../install/manifests.ts';
import { KubeApiError, type KubeClient } from '../../kube/client.ts';
import {
  CRD,
  KUBERNETES_CLUSTER,
  LEASE,
  NAMESPACE,
  resourcePath,
  SETTINGS,
  typeOfObject,
} from '../../kube/resources.ts';
import { toCanonicalYamlStream } from '../../snapshot/yaml.ts';
import { defaultFailurePolicy, type FailurePolicy, type RbacMode } from '../../install/rbac-webhook.ts';
import { LEASE_NAME } from '../../install/defaults.ts';
import { managementClient } from '../clients.ts';
import { CommandError, type CommandIO, type GlobalOptions } from '../context.ts';
import { clientVersion } from '../version.ts';
import { reportingClusterFailures, whereOf } from '../cluster-failure.ts';
import { parseTimeout, waitForDeployment } from '../deployment-readiness.ts';
import { progressOn } from '../progress.ts';

async function waitForCrds(client: KubeClient, names: readonly string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = (await client.get(CRD, name)) as
        { status?: { conditions?: { type: string; status: string }[] } } | undefined;
      if (crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true) break;
      if (Date.now() > deadline) throw new CommandError(`CRD ${name} was not Established within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export interface InstallFlags {
  readonly namespace: string;
  readonly image: string;
  readonly version: string;
  readonly replicas: number;
  /** Namespaces besides the install namespace where VirtualMeshes may name root CA Secrets. */
  readonly rootCaNamespaces?: readonly string[];
  readonly dryRun?: boolean;
  /** The role-based API: mode, failure policy, and a URL for a management plane outside the cluster. */
  readonly rbacMode?: RbacMode;
  readonly rbacFailurePolicy?: FailurePolicy;
  readonly rbacWebhookUrl?: string;
}

/** The user name the API server knows the installer by (SelfSubjectReview), for the bootstrap admin binding. */
export async function installingIdentity(client: KubeClient): Promise<string | undefined> {
  try {
    const review = await client.request<{ status?: { userInfo?: { username?: string } } }>(
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    );
    const name = review.status?.userInfo?.username;
    return name === undefined || name === '' ? undefined : name;
  } catch (error) {
    // An API server that answered without an identity (an older one, or no right to ask) is not a
    // failure of the install; one that did not answer at all is, and is reported as such.
    if (error instanceof KubeApiError && error.status !== 0) return undefined;
    throw error;
  }
}

export function rbacInstallOptions(flags: InstallFlags, adminUsers: readonly string[]) {
  const mode = flags.rbacMode ?? 'permissive';
  return {
    mode,
    failurePolicy: flags.rbacFailurePolicy ?? defaultFailurePolicy(mode),
    ...(flags.rbacWebhookUrl === undefined ? {} : { url: flags.rbacWebhookUrl }),
    adminUsers,
  };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `a,b` → ['a', 'b'], each a namespace name. */
export function parseNamespaceList(flag: string, value: string): string[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of names) {
    if (!DNS_LABEL.test(name) || name.length > 63)
      throw new CommandError(`${flag} ${JSON.stringify(name)}: not a namespace name (DNS label)`, 2);
  }
  return [...new Set(names)];
}

/** Installs Mesh Hub; returns what was applied. Used by `meshctl install` and `meshctl demo`. */
export async function install(
  client: KubeClient,
  flags: InstallFlags,
  progress: (line: string) => void,
): Promise<string[]> {
  const installer = await installingIdentity(client);
  if (installer === undefined)
    progress(
      'could not tell the installing identity (SelfSubjectReview); the bootstrap admin binding names system:masters only',
    );
  const objects = installObjects({
    namespace: flags.namespace,
    image: flags.image,
    version: flags.version,
    replicas: flags.replicas,
    rbac: rbacInstallOptions(flags, installer === undefined ? [] : [installer]),
    crds: meshHubCrds(),
    ...(flags.rootCaNamespaces === undefined ? {} : { rootCaNamespaces: flags.rootCaNamespaces }),
  });
  const applied: string[] = [];
  const crdNames: string[] = [];
  for (const object of objects) {
    // Default Settings are written once; a user's edits to them are never overwritten.
    if (
      object.kind === 'Settings' &&
      (await client.get(SETTINGS, DEFAULT_SETTINGS_NAME, flags.namespace)) !== undefined
    ) {
      // … except the root CA namespaces, which must match the Roles just applied.
      if (flags.rootCaNamespaces !== undefined) {
        const roots = (object as { spec?: { rootCertificateAuthorityNamespaces?: string[] } }).spec
          ?.rootCertificateAuthorityNamespaces;
        await client.request(
          'PATCH',
          resourcePath(SETTINGS, flags.namespace, DEFAULT_SETTINGS_NAME),
          { spec: { rootCertificateAuthorityNamespaces: roots ?? null } },
          'application/merge-patch+json',
        );
        progress(`set spec.rootCertificateAuthorityNamespaces of existing ${describeObject(object)}`);
      } else progress(`kept existing ${describeObject(object)}`);
      continue;
    }
    if (object.kind === 'Settings') await waitForCrds(client, crdNames);
    await client.apply(object);
    if (object.kind === 'CustomResourceDefinition') crdNames.push(object.metadata.name);
    applied.push(describeObject(object));
    progress(`applied ${describeObject(object)}`);
  }
  return applied;
}

/** An image tag as the OCI distribution spec allows it. */
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function parseImageTag(flag: string, value: string): string {
  if (!IMAGE_TAG.test(value))
    throw new CommandError(
      `${flag} ${JSON.stringify(value)}: not an image tag (letters, digits, '_', '.', '-'; at most 128)`,
      2,
    );
  return value;
}

/** `--wait`, `--wait=true`, `--wait=false`, as kubectl spells it. */
export function parseBooleanFlag(flag: string, value: string | boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new CommandError(`${flag}=${value}: use ${flag}=true or ${flag}=false`, 2);
}

export function installAction(io: CommandIO, globals: () => GlobalOptions) {
  return async (flags: {
    rbacMode: RbacMode;
    rbacFailurePolicy?: FailurePolicy;
    rbacWebhookUrl?: string;
    namespace: string;
    image: string;
    version: string;
    replicas: string;
    rootCaNamespaces?: string;
    wait: string | boolean;
    timeout: string;
    dryRun?: boolean;
  }) => {
    const replicas = Number(flags.replicas);
    if (!Number.isInteger(replicas) || replicas < 1)
      throw new CommandError(`--replicas must be a positive integer, got ${flags.replicas}`);
    const version = parseImageTag('--version', flags.version);
    const wait = parseBooleanFlag('--wait', flags.wait);
    const timeoutMs = parseTimeout('--timeout', flags.timeout);
    if (flags.rbacWebhookUrl !== undefined && !/^https:\/\/[^/?#]+(\/[^?#]*)?$/.test(flags.rbacWebhookUrl))
      throw new CommandError(
        `--rbac-webhook-url ${JSON.stringify(flags.rbacWebhookUrl)}: an https:// URL without query or fragment`,
        2,
      );
    const rootCaNamespaces =
      flags.rootCaNamespaces === undefined
        ? undefined
        : parseNamespaceList('--root-ca-namespaces', flags.rootCaNamespaces);
    const installFlags: InstallFlags = {
      namespace: flags.namespace,
      image: flags.image,
      version,
      replicas,
      ...(rootCaNamespaces === undefined ? {} : { rootCaNamespaces }),
      rbacMode: flags.rbacMode,
      ...(flags.rbacFailurePolicy === undefined ? {} : { rbacFailurePolicy: flags.rbacFailurePolicy }),
      ...(flags.rbacWebhookUrl === undefined ? {} : { rbacWebhookUrl: flags.rbacWebhookUrl }),
    };
    if (flags.dryRun === true) {
      io.stdout(
        toCanonicalYamlStream(
          installObjects({
            namespace: installFlags.namespace,
            image: installFlags.image,
            version: installFlags.version,
            replicas: installFlags.replicas,
            crds: meshHubCrds(),
            ...(rootCaNamespaces === undefined ? {} : { rootCaNamespaces }),
            // The installing identity is looked up at install time; a dry run names system:masters only.
            rbac: rbacInstallOptions(installFlags, []),
          }),
        ),
      );
      return;
    }
    const client = managementClient(globals());
    const where = whereOf(client);
    const progress = progressOn(io);
    await reportingClusterFailures([client], async () => {
      const applied = await progress.step(
        `Installing Mesh Hub ${version} on cluster \`${where.name}\` (${where.server})`,
        (detail) =>
          install(client, installFlags, (line) => {
            detail(line);
            if (globals().verbose) io.stderr(`${line}\n`);
          }),
      );
      io.stdout(
        `Mesh Hub ${version} installed in namespace ${flags.namespace} on ${client.server} (${applied.length} objects applied).\n`,
      );
      if (wait) {
        await progress.step(
          `Waiting for the management plane (Deployment ${flags.namespace}/${CONTROLLER_NAME}) to be ready`,
          (detail) => waitForDeployment(client, flags.namespace, CONTROLLER_NAME, timeoutMs, detail),
        );
        io.stdout('The management plane is ready.\n');
      } else {
        io.stdout(`Not waiting for the management plane (--wait=false): \`meshctl check\` shows when it runs.\n`);
      }
    });
    io.stdout(`Next: meshctl cluster register NAME --remote-context CONTEXT\n`);
  };
}

export function uninstallAction(io: CommandIO, globals: () => GlobalOptions) {
  return async (flags: { namespace: string; removeCrds?: boolean }) => {
    const client = managementClient(globals());
    await reportingClusterFailures([client], () => uninstall(io, client, flags));
  };
}

async function uninstall(
  io: CommandIO,
  client: KubeClient,
  flags: { namespace: string; removeCrds?: boolean },
): Promise<void> {
  const registered = await client.list(KUBERNETES_CLUSTER, { namespace: flags.namespace }).catch((error: unknown) => {
    if (error instanceof KubeApiError && error.status === 404) return { items: [] };
    throw error;
  });
  if (registered.items.length > 0) {
    io.stderr(
      `warning: clusters still registered (${registered.items.map((c) => c.metadata.name).join(', ')}): ` +
        'what Mesh Hub wrote to them stays; run `meshctl cluster deregister NAME` first to remove it\n',
    );
  }
  // The Roles in the root CA namespaces are found through the Settings that lists them.
  const settings = (await client.get(SETTINGS, DEFAULT_SETTINGS_NAME, flags.namespace).catch(() => undefined)) as
    { spec?: { rootCertificateAuthorityNamespaces?: unknown } } | undefined;
  const listed = settings?.spec?.rootCertificateAuthorityNamespaces;
  const objects = installObjects({
    namespace: flags.namespace,
    image: DEFAULT_IMAGE,
    version: clientVersion(),
    replicas: 1,
    crds: flags.removeCrds === true ? meshHubCrds() : [],
    rootCaNamespaces: Array.isArray(listed) ? listed.filter((ns): ns is string => typeof ns === 'string') : [],
  }).reverse();
  const removed: string[] = [];
  if (await client.delete(LEASE, LEASE_NAME, flags.namespace)) removed.push(`Lease ${flags.namespace}/${LEASE_NAME}`);
  for (const object of objects) {
    const type = typeOfObject(object.apiVersion, object.kind);
    if (type === undefined) continue;
    if (object.kind === 'Namespace') {
      // Only a namespace that install created and labelled.
      const ns = await client.get(NAMESPACE, object.metadata.name);
      if (ns?.metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY) continue;
    }
    try {
      if (await client.delete(type, object.metadata.name, object.metadata.namespace))
        removed.push(describeObject(object));
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) continue;
      throw error;
    }
  }
  io.stdout(`Mesh Hub uninstalled from ${client.server}: ${removed.length} objects removed.\n`);
  for (const line of removed) io.stdout(`  deleted ${line}\n`);
  if (flags.removeCrds !== true) io.stdout('CRDs kept (use --remove-crds to delete them and every Mesh Hub object).\n');
}

// The kubeconfig of a registration Secret, parsed by Mesh Hub itself rather than by client-node: anyone
// who can write a Secret in the install namespace writes this text, so it may only say where the
// cluster is and who Mesh Hub is there. Allowed: an https server (with tls-server-name), inline CA
// data, a bearer token, and inline client certificate and key data (data, not files). Without CA data
// the system roots verify the server (TLS is never skipped). Everything that would run a program,
// read a local file, skip or weaken TLS, or send credentials elsewhere is refused, naming the field.
// Messages never quote a value.
import { parse } from 'yaml';
import { z } from 'zod';
import { fieldPath } from '../api/common/field-path.ts';
import type { StaticCredentialsInput } from './credentials.ts';

const Fields = z.record(z.string(), z.unknown());
const KubeconfigShape = z.looseObject({
  clusters: z.array(z.looseObject({ name: z.string().min(1), cluster: Fields })).optional(),
  users: z.array(z.looseObject({ name: z.string().min(1), user: Fields })).optional(),
  contexts: z
    .array(
      z.looseObject({ name: z.string().min(1), context: z.looseObject({ cluster: z.string(), user: z.string() }) }),
    )
    .optional(),
  'current-context': z.string().optional(),
});

/** Why each refused field is refused (the field's name is in the message). */
const REFUSED_CLUSTER_FIELDS: Readonly<Record<string, string>> = {
  'certificate-authority': 'CA files are not allowed in a registration kubeconfig (use certificate-authority-data)',
  'insecure-skip-tls-verify': 'skipping TLS verification is not allowed in a registration kubeconfig',
  'proxy-url': 'proxies are not allowed in a registration kubeconfig',
};

const REFUSED_USER_FIELDS: Readonly<Record<string, string>> = {
  exec: 'exec plugins are not allowed in a registration kubeconfig',
  'auth-provider': 'auth providers are not allowed in a registration kubeconfig',
  tokenFile: 'token files are not allowed in a registration kubeconfig (use token)',
  'token-file': 'token files are not allowed in a registration kubeconfig (use token)',
  'client-certificate': 'client certificate files are not allowed in a registration kubeconfig',
  'client-key': 'client key files are not allowed in a registration kubeconfig',
  username: 'basic authentication is not allowed in a registration kubeconfig',
  password: 'basic authentication is not allowed in a registration kubeconfig',
  as: 'impersonation is not allowed in a registration kubeconfig',
  'as-uid': 'impersonation is not allowed in a registration kubeconfig',
  'as-groups': 'impersonation is not allowed in a registration kubeconfig',
  'as-user-extra': 'impersonation is not allowed in a registration kubeconfig',
};

const ALLOWED_CLUSTER_FIELDS = new Set([
  'server',
  'certificate-authority-data',
  'tls-server-name',
  'disable-compression',
  'extensions',
]);
const ALLOWED_USER_FIELDS = new Set(['token', 'client-certificate-data', 'client-key-data', 'extensions']);

export class RegistrationKubeconfigError extends Error {
  constructor(cluster: string, problems: readonly string[]) {
    super(`the registration kubeconfig of cluster ${cluster}: ${problems.join('; ')}`);
    this.name = 'RegistrationKubeconfigError';
  }
}

function pemFromData(value: unknown, marker: string): string | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/=\s]+$/.test(value)) return undefined;
  const pem = Buffer.from(value, 'base64').toString('utf8');
  return pem.includes(`-----BEGIN ${marker}`) ? pem : undefined;
}

function checkFields(
  path: string,
  fields: Readonly<Record<string, unknown>>,
  refused: Readonly<Record<string, string>>,
  allowed: ReadonlySet<string>,
  problems: string[],
): void {
  for (const [key, value] of Object.entries(fields)) {
    const reason = refused[key];
    // `insecure-skip-tls-verify: false` says what Mesh Hub does anyway.
    if (key === 'insecure-skip-tls-verify' && value === false) continue;
    if (reason !== undefined) problems.push(`${path}.${key}: ${reason}`);
    else if (!allowed.has(key)) problems.push(`${path}.${key}: not allowed in a registration kubeconfig`);
  }
}

/** The connection a registration kubeconfig describes, or a RegistrationKubeconfigError naming every refused field. */
export function parseRegistrationKubeconfig(cluster: string, text: string): StaticCredentialsInput {
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 10, prettyErrors: false });
  } catch {
    throw new RegistrationKubeconfigError(cluster, ['not valid YAML']);
  }
  const shape = KubeconfigShape.safeParse(raw);
  if (!shape.success) {
    throw new RegistrationKubeconfigError(
      cluster,
      shape.error.issues.map((issue) => `${fieldPath(issue.path) || '(top level)'}: ${issue.message}`),
    );
  }
  const config = shape.data;
  const problems: string[] = [];
  // Every entry is checked, not only the current context's: a refused field anywhere makes the Secret suspect.
  (config.clusters ?? []).forEach((entry, index) => {
    checkFields(
      `clusters[${String(index)}].cluster`,
      entry.cluster,
      REFUSED_CLUSTER_FIELDS,
      ALLOWED_CLUSTER_FIELDS,
      problems,
    );
  });
  (config.users ?? []).forEach((entry, index) => {
    checkFields(`users[${String(index)}].user`, entry.user, REFUSED_USER_FIELDS, ALLOWED_USER_FIELDS, problems);
  });
  if (problems.length > 0) throw new RegistrationKubeconfigError(cluster, problems);

  const contexts = config.contexts ?? [];
  const contextName = config['current-context'] ?? (contexts.length === 1 ? contexts[0]?.name : undefined);
  const contextIndex = contexts.findIndex((entry) => entry.name === contextName);
  const context = contexts[contextIndex]?.context;
  if (context === undefined) throw new RegistrationKubeconfigError(cluster, ['current-context: names no context']);
  const contextPath = `contexts[${String(contextIndex)}].context`;
  const clusterIndex = (config.clusters ?? []).findIndex((entry) => entry.name === context.cluster);
  const clusterFields = config.clusters?.[clusterIndex]?.cluster;
  if (clusterFields === undefined)
    throw new RegistrationKubeconfigError(cluster, [`${contextPath}.cluster: names no cluster`]);
  const userIndex = (config.users ?? []).findIndex((entry) => entry.name === context.user);
  const userFields = config.users?.[userIndex]?.user;
  if (userFields === undefined) throw new RegistrationKubeconfigError(cluster, [`${contextPath}.user: names no user`]);
  const clusterPath = `clusters[${String(clusterIndex)}].cluster`;
  const userPath = `users[${String(userIndex)}].user`;

  const server = clusterFields.server;
  let url: URL | undefined;
  try {
    url = typeof server === 'string' ? new URL(server) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined) problems.push(`${clusterPath}.server: not a URL`);
  else if (url.protocol !== 'https:') problems.push(`${clusterPath}.server: must be an https:// URL`);
  else if (url.username !== '' || url.password !== '')
    problems.push(`${clusterPath}.server: must not carry credentials`);

  const caData = clusterFields['certificate-authority-data'];
  const caPem = caData === undefined ? undefined : pemFromData(caData, 'CERTIFICATE');
  if (caData !== undefined && caPem === undefined)
    problems.push(`${clusterPath}.certificate-authority-data: not base64 PEM certificates`);
  const serverName = clusterFields['tls-server-name'];
  if (serverName !== undefined && typeof serverName !== 'string')
    problems.push(`${clusterPath}.tls-server-name: not a string`);

  const token = userFields.token;
  // A token goes into an HTTP header: printable ASCII only.
  if (token !== undefined && (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token.trim())))
    problems.push(`${userPath}.token: not a bearer token`);
  const certData = userFields['client-certificate-data'];
  const keyData = userFields['client-key-data'];
  const certPem = certData === undefined ? undefined : pemFromData(certData, 'CERTIFICATE');
  const keyPem = keyData === undefined ? undefined : pemFromData(keyData, '');
  if (certData !== undefined && certPem === undefined)
    problems.push(`${userPath}.client-certificate-data: not base64 PEM`);
  if (keyData !== undefined && keyPem === undefined) problems.push(`${userPath}.client-key-data: not base64 PEM`);
  if ((certData === undefined) !== (keyData === undefined))
    problems.push(`${userPath}: client-certificate-data and client-key-data go together`);
  if (token === undefined && certData === undefined)
    problems.push(`${userPath}: no credentials (token, or client-certificate-data with client-key-data)`);
  if (problems.length > 0 || url === undefined) throw new RegistrationKubeconfigError(cluster, problems);

  return {
    server: url.toString().replace(/\/$/, ''),
    ...(caPem === undefined ? {} : { caPem }),
    ...(typeof token === 'string' ? { token: token.trim() } : {}),
    ...(certPem === undefined ? {} : { certPem }),
    ...(keyPem === undefined ? {} : { keyPem }),
    ...(typeof serverName === 'string' ? { tlsServerName: serverName } : {}),
  };
}

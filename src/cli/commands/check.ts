// `meshctl check`: is Mesh Hub healthy? One pass/fail line per check, with the fix for a failure.
import { allKinds } from '../../api/registry.ts';
import { CERT_AGENT_NAME, CONTROLLER_NAME } from '../../install/manifests.ts';
import { KubeApiError, type KubeClient } from '../../kube/client.ts';
import { CRD, DEPLOYMENT, KUBERNETES_CLUSTER, LEASE, NAMESPACE } from '../../kube/resources.ts';
import { LEASE_NAME } from '../../install/defaults.ts';
import { managementClient } from '../clients.ts';
import { CommandError, type CommandIO, type GlobalOptions } from '../context.ts';
import { formatData } from '../output.ts';
import { explainClusterFailure, whereOf } from '../cluster-failure.ts';
import { progressOn } from '../progress.ts';
import { checkRbacWebhook } from '../rbac-webhook-check.ts';
import { clientVersion } from '../version.ts';
import { managementPlaneImage, probeRegisteredCluster } from './cluster.ts';

export type CheckStatus = 'PASS' | 'WARN' | 'FAIL';

export interface CheckResult {
  readonly name: string;
  readonly status: CheckStatus;
  /** Not FAIL (a warning does not fail the check command). */
  readonly ok: boolean;
  readonly detail: string;
  readonly fix?: string;
}

function result(name: string, status: CheckStatus, detail: string, fix?: string): CheckResult {
  return { name, status, ok: status !== 'FAIL', detail, ...(fix === undefined ? {} : { fix }) };
}

function errorText(error: unknown, clients: readonly KubeClient[]): string {
  const client = error instanceof KubeApiError ? clients.find((c) => c.cluster === error.cluster) : undefined;
  const explained = client === undefined ? undefined : explainClusterFailure(error, whereOf(client));
  return explained ?? (error instanceof Error ? error.message : String(error));
}

/** Runs one check; a failed call becomes its FAIL (with the cluster named), never the end of the run. */
async function check(
  name: string,
  clients: readonly KubeClient[],
  fix: string | undefined,
  run: () => Promise<CheckResult | CheckResult[]>,
): Promise<CheckResult[]> {
  try {
    const outcome = await run();
    return Array.isArray(outcome) ? outcome : [outcome];
  } catch (error) {
    return [result(name, 'FAIL', errorText(error, clients), fix)];
  }
}

/** What the management plane needs on a workload cluster, asked of the API server as that identity. */
const REQUIRED_ACCESS = [
  { verb: 'watch', group: '', resource: 'pods' },
  { verb: 'list', group: 'apps', resource: 'deployments' },
  { verb: 'patch', group: 'networking.istio.io', resource: 'virtualservices' },
  { verb: 'delete', group: 'security.istio.io', resource: 'authorizationpolicies' },
  // Shared trust: IssuedCertificates for the cert agent, and signing its CertificateRequests.
  { verb: 'patch', group: 'certificates.mesh.gloo.solo.io', resource: 'issuedcertificates' },
  { verb: 'patch', group: 'certificates.mesh.gloo.solo.io', resource: 'certificaterequests', subresource: 'status' },
] as const;

async function canI(
  client: KubeClient,
  access: { readonly verb: string; readonly group: string; readonly resource: string; readonly subresource?: string },
): Promise<boolean> {
  const review = await client.request<{ status?: { allowed?: boolean } }>(
    'POST',
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: {
          verb: access.verb,
          group: access.group,
          resource: access.resource,
          ...(access.subresource === undefined ? {} : { subresource: access.subresource }),
        },
      },
    },
    'application/json',
    5000,
  );
  return review.status?.allowed === true;
}

/** The oldest Kubernetes Mesh Hub supports: server-side apply, EndpointSlice v1, policy/v1 evictions. */
export const MIN_KUBERNETES = { major: 1, minor: 22 } as const;

/** `v1.37.2` → {major, minor}; undefined when it is not a Kubernetes version. */
export function parseKubernetesVersion(gitVersion: string): { major: number; minor: number } | undefined {
  const match = /^v?(\d+)\.(\d+)/.exec(gitVersion);
  if (match === null) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

async function managementReachable(mgmt: KubeClient): Promise<{ result: CheckResult; gitVersion?: string }> {
  const where = whereOf(mgmt);
  try {
    const version = await mgmt.request<{ gitVersion?: string }>('GET', '/version', undefined, 'application/json', 5000);
    const gitVersion = version.gitVersion ?? '?';
    return {
      result: result('management cluster', 'PASS', `\`${where.name}\` at ${mgmt.server} (Kubernetes ${gitVersion})`),
      gitVersion,
    };
  } catch (error) {
    return {
      result: result(
        'management cluster',
        'FAIL',
        errorText(error, [mgmt]),
        'check --kubeconfig and --context: they must point at the management cluster (the other checks need it)',
      ),
    };
  }
}

/** The image tag of `repository:tag` (a registry port is not a tag); the whole reference if it has none. */
export function imageTag(image: string): string {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const at = image.indexOf('@');
  if (at !== -1) return image.slice(at + 1);
  return colon > slash ? image.slice(colon + 1) : 'latest';
}

/** Pure: one PASS or WARN line comparing the versions of the client, the management plane and the cert agents. */
export function versionSkew(
  client: string,
  managementPlane: string | undefined,
  certAgents: readonly { readonly cluster: string; readonly version: string }[],
): CheckResult {
  const parts = [
    `client ${client}`,
    managementPlane === undefined ? 'management plane: no Deployment' : `management plane ${managementPlane}`,
    ...certAgents.map((agent) => `cert agent on ${agent.cluster} ${agent.version}`),
  ];
  const versions = new Set([
    client,
    ...(managementPlane === undefined ? [] : [managementPlane]),
    ...certAgents.map((a) => a.version),
  ]);
  if (versions.size <= 1) return result('versions', 'PASS', parts.join(', '));
  const target = managementPlane ?? client;
  return result(
    'versions',
    'WARN',
    `version skew: ${parts.join(', ')}`,
    `run every part at one version: meshctl ${target} (the client), \`meshctl install --version ${target}\`, and \`meshctl cluster register NAME --remote-context CONTEXT\` again for each cluster whose cert agent differs`,
  );
}

async function certAgentVersion(client: KubeClient, namespace: string): Promise<string | undefined> {
  const deployment = (await client.get(DEPLOYMENT, CERT_AGENT_NAME, namespace)) as
    { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } } | undefined;
  const image = deployment?.spec?.template?.spec?.containers?.[0]?.image;
  return image === undefined ? undefined : imageTag(image);
}

export async function runChecks(mgmt: KubeClient, namespace: string): Promise<CheckResult[]> {
  const reachable = await managementReachable(mgmt);
  if (!reachable.result.ok) return [reachable.result];
  const results: CheckResult[] = [reachable.result];
  const onMgmt = [mgmt];

  results.push(
    ...(await check('CRDs', onMgmt, 'run `meshctl install`', async () => {
      const missing: string[] = [];
      for (const kind of allKinds) {
        const name = `${kind.plural}.${kind.group}`;
        const crd = (await mgmt.get(CRD, name)) as
          { status?: { conditions?: { type: string; status: string }[] } } | undefined;
        if (crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') !== true)
          missing.push(name);
      }
      return missing.length === 0
        ? result('CRDs', 'PASS', `${allKinds.length} Mesh Hub CRDs established`)
        : result('CRDs', 'FAIL', `missing or not established: ${missing.join(', ')}`, 'run `meshctl install`');
    })),
  );

  results.push(
    ...(await check('install namespace', onMgmt, undefined, async () =>
      (await mgmt.get(NAMESPACE, namespace)) === undefined
        ? result('install namespace', 'FAIL', `${namespace} not found`, `run \`meshctl install -n ${namespace}\``)
        : result('install namespace', 'PASS', namespace),
    )),
  );

  const planeFix = `check the Deployment: kubectl -n ${namespace} get deploy ${CONTROLLER_NAME}; or run it locally: meshhub controller --kubeconfig … -n ${namespace}`;
  results.push(
    ...(await check('management plane', onMgmt, planeFix, async () => {
      const lease = (await mgmt.get(LEASE, LEASE_NAME, namespace)) as
        { spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number } } | undefined;
      const renewed = Date.parse(lease?.spec?.renewTime ?? '');
      const duration = (lease?.spec?.leaseDurationSeconds ?? 15) * 1000;
      const holder = lease?.spec?.holderIdentity ?? '';
      if (holder !== '' && Number.isFinite(renewed) && renewed + duration > Date.now()) {
        const ago = Math.max(0, Math.round((Date.now() - renewed) / 1000));
        return result('management plane', 'PASS', `running (${holder}, renewed ${ago} s ago)`);
      }
      return result(
        'management plane',
        'FAIL',
        lease === undefined ? 'never started (no Lease)' : 'not running (its Lease has expired)',
        planeFix,
      );
    })),
  );

  results.push(
    ...(await check('role-based API webhook', onMgmt, undefined, async () => {
      const webhook = await checkRbacWebhook(mgmt, namespace);
      return result('role-based API webhook', webhook.status, webhook.detail, webhook.fix);
    })),
  );

  let clusters: { metadata: { name: string }; spec?: { secretName?: string } }[] = [];
  results.push(
    ...(await check('registered clusters', onMgmt, undefined, async () => {
      try {
        clusters = (await mgmt.list(KUBERNETES_CLUSTER, { namespace })).items;
      } catch (error) {
        if (!(error instanceof KubeApiError && error.status === 404)) throw error;
      }
      return clusters.length === 0
        ? [result('registered clusters', 'PASS', 'none yet (meshctl cluster register NAME --remote-context CTX)')]
        : [];
    })),
  );
  const agents: { cluster: string; version: string }[] = [];
  const perCluster = await Promise.all(
    clusters.map(async (cluster): Promise<CheckResult[]> => {
      const name = cluster.metadata.name;
      const reregister = `re-register: meshctl cluster register ${name} --remote-context CONTEXT`;
      const probed = await check(`cluster ${name}`, onMgmt, reregister, async () => {
        const { client, result: probe } = await probeRegisteredCluster(
          mgmt,
          namespace,
          name,
          cluster.spec?.secretName ?? name,
        );
        if (client === undefined) return result(`cluster ${name}`, 'FAIL', probe.message, reregister);
        if (!probe.reachable)
          return result(
            `cluster ${name}: reachable`,
            'FAIL',
            probe.message,
            `make ${client.server} reachable from the management plane, or re-register with --api-server-address`,
          );
        const checks: CheckResult[] = [result(`cluster ${name}: reachable`, 'PASS', client.server)];
        checks.push(
          ...(await check(`cluster ${name}: token authorised`, [client], reregister, async () => {
            const denied: string[] = [];
            for (const access of REQUIRED_ACCESS) {
              if (!(await canI(client, access))) denied.push(accessText(access));
            }
            return denied.length === 0
              ? result(`cluster ${name}: token authorised`, 'PASS', 'the registered ServiceAccount has its role')
              : result(`cluster ${name}: token authorised`, 'FAIL', `not allowed: ${denied.join(', ')}`, reregister);
          })),
        );
        checks.push(
          ...(await check(`cluster ${name}: cert agent`, [client], undefined, async () => {
            const version = await certAgentVersion(client, namespace);
            if (version !== undefined) agents.push({ cluster: name, version });
            return [];
          })),
        );
        return checks;
      });
      return probed;
    }),
  );
  results.push(...perCluster.flat());
  results.push(
    ...(await check('versions', onMgmt, undefined, async () => {
      const image = await managementPlaneImage(mgmt, namespace);
      return versionSkew(
        clientVersion(),
        image === undefined ? undefined : imageTag(image),
        agents.sort((a, b) => (a.cluster < b.cluster ? -1 : 1)),
      );
    })),
  );
  return results;
}

function accessText(access: {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
}): string {
  return `${access.verb} ${access.resource}${access.group === '' ? '' : `.${access.group}`}${access.subresource === undefined ? '' : `/${access.subresource}`}`;
}

/** What `meshctl install` creates, asked of the API server as the user running it. */
const INSTALL_ACCESS = [
  { verb: 'create', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
  { verb: 'create', group: '', resource: 'namespaces' },
  { verb: 'create', group: '', resource: 'serviceaccounts' },
  { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
  { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
  { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'roles' },
  { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings' },
  { verb: 'create', group: 'apps', resource: 'deployments' },
] as const;

/** `meshctl check --pre`: can this cluster take an install? */
export async function runPreChecks(mgmt: KubeClient, namespace: string): Promise<CheckResult[]> {
  const reachable = await managementReachable(mgmt);
  if (!reachable.result.ok) return [reachable.result];
  const results: CheckResult[] = [reachable.result];
  const gitVersion = reachable.gitVersion ?? '?';
  const version = parseKubernetesVersion(gitVersion);
  const minimum = `${String(MIN_KUBERNETES.major)}.${String(MIN_KUBERNETES.minor)}`;
  results.push(
    version === undefined
      ? result(
          'Kubernetes version',
          'WARN',
          `cannot read the version ${JSON.stringify(gitVersion)}; ${minimum} or later is needed`,
        )
      : version.major > MIN_KUBERNETES.major ||
          (version.major === MIN_KUBERNETES.major && version.minor >= MIN_KUBERNETES.minor)
        ? result('Kubernetes version', 'PASS', `${gitVersion} (${minimum} or later is needed)`)
        : result(
            'Kubernetes version',
            'FAIL',
            `${gitVersion} is older than ${minimum}`,
            `upgrade the cluster to Kubernetes ${minimum} or later`,
          ),
  );
  const fix = 'run the install as a cluster administrator (or ask one to grant these rights)';
  results.push(
    ...(await check('permissions to install', [mgmt], fix, async () => {
      const denied: string[] = [];
      for (const access of INSTALL_ACCESS) if (!(await canI(mgmt, access))) denied.push(accessText(access));
      return denied.length === 0
        ? result(
            'permissions to install',
            'PASS',
            'may create CRDs, namespaces, ServiceAccounts, (Cluster)Roles and their bindings, Deployments',
          )
        : result('permissions to install', 'FAIL', `not allowed: ${denied.join(', ')}`, fix);
    })),
  );
  results.push(
    ...(await check('existing install', [mgmt], undefined, async () => {
      let image: string | undefined;
      try {
        image = await managementPlaneImage(mgmt, namespace);
      } catch (error) {
        // Not being allowed to look is already a failed permission check above; this one only informs.
        if (error instanceof KubeApiError && error.status === 403)
          return result('existing install', 'WARN', `cannot tell: ${errorText(error, [mgmt])}`);
        throw error;
      }
      if (image !== undefined)
        return result(
          'existing install',
          'WARN',
          `Mesh Hub ${imageTag(image)} is installed in ${namespace}: \`meshctl install\` upgrades it in place`,
        );
      return result('existing install', 'PASS', `none in ${namespace}`);
    })),
  );
  return results;
}

export function formatChecks(results: readonly CheckResult[]): string {
  return results
    .map(
      (r) =>
        `${r.status}  ${r.name}: ${r.detail}${r.status === 'PASS' || r.fix === undefined ? '' : `\n      fix: ${r.fix}`}`,
    )
    .join('\n')
    .concat('\n');
}

export function checkAction(io: CommandIO, globals: () => GlobalOptions) {
  return async (flags: { namespace: string; pre?: boolean }) => {
    const g = globals();
    const mgmt = managementClient(g);
    const where = whereOf(mgmt);
    const results = await progressOn(io).step(
      `${flags.pre === true ? 'Checking whether Mesh Hub can be installed on' : 'Checking Mesh Hub on'} \`${where.name}\` (${where.server})`,
      () => (flags.pre === true ? runPreChecks(mgmt, flags.namespace) : runChecks(mgmt, flags.namespace)),
    );
    const failed = results.filter((r) => r.status === 'FAIL').length;
    io.stdout(
      g.outputFormat === 'table'
        ? formatChecks(results)
        : formatData(g.outputFormat, { checks: results }, () => ({ headers: [], rows: [] })),
    );
    if (failed > 0) throw new CommandError(`${failed} of ${results.length} checks failed`);
  };
}

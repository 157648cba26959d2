// `meshctl check`: is Mesh Hub healthy? One pass/fail line per check, with the fix for a failure.
import type { Command } from 'commander';
import { allKinds } from '../../api/registry.ts';
import { KubeApiError, type KubeClient } from '../../kube/client.ts';
import { CRD, KUBERNETES_CLUSTER, LEASE, NAMESPACE } from '../../kube/resources.ts';
import { LEASE_NAME } from '../../server/controller-command.ts';
import { managementClient, namespaceOption } from '../clients.ts';
import { CommandError, type CommandIO, type GlobalOptions } from '../context.ts';
import { formatData } from '../output.ts';
import { probeRegisteredCluster } from './cluster.ts';

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly fix?: string;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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

export async function runChecks(mgmt: KubeClient, namespace: string): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  try {
    const version = await mgmt.request<{ gitVersion?: string }>('GET', '/version', undefined, 'application/json', 5000);
    results.push({ name: 'management cluster', ok: true, detail: `${mgmt.server} (${version.gitVersion ?? '?'})` });
  } catch (error) {
    results.push({
      name: 'management cluster',
      ok: false,
      detail: errorText(error),
      fix: 'check --kubeconfig and --context: they must point at the management cluster',
    });
    return results;
  }

  const missing: string[] = [];
  for (const kind of allKinds) {
    const name = `${kind.plural}.${kind.group}`;
    const crd = (await mgmt.get(CRD, name)) as
      { status?: { conditions?: { type: string; status: string }[] } } | undefined;
    if (crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') !== true)
      missing.push(name);
  }
  results.push(
    missing.length === 0
      ? { name: 'CRDs', ok: true, detail: `${allKinds.length} Mesh Hub CRDs established` }
      : {
          name: 'CRDs',
          ok: false,
          detail: `missing or not established: ${missing.join(', ')}`,
          fix: 'run `meshctl install`',
        },
  );

  const ns = await mgmt.get(NAMESPACE, namespace);
  results.push(
    ns === undefined
      ? {
          name: 'install namespace',
          ok: false,
          detail: `${namespace} not found`,
          fix: `run \`meshctl install -n ${namespace}\``,
        }
      : { name: 'install namespace', ok: true, detail: namespace },
  );

  const lease = (await mgmt.get(LEASE, LEASE_NAME, namespace)) as
    { spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number } } | undefined;
  const renewed = Date.parse(lease?.spec?.renewTime ?? '');
  const duration = (lease?.spec?.leaseDurationSeconds ?? 15) * 1000;
  const holder = lease?.spec?.holderIdentity ?? '';
  if (holder !== '' && Number.isFinite(renewed) && renewed + duration > Date.now()) {
    const ago = Math.max(0, Math.round((Date.now() - renewed) / 1000));
    results.push({ name: 'management plane', ok: true, detail: `running (${holder}, renewed ${ago} s ago)` });
  } else {
    results.push({
      name: 'management plane',
      ok: false,
      detail: lease === undefined ? 'never started (no Lease)' : 'not running (its Lease has expired)',
      fix: `check the Deployment: kubectl -n ${namespace} get deploy mesh-hub-controller; or run it locally: meshhub controller --kubeconfig … -n ${namespace}`,
    });
  }

  let clusters: { metadata: { name: string }; spec?: { secretName?: string } }[] = [];
  try {
    clusters = (await mgmt.list(KUBERNETES_CLUSTER, { namespace })).items;
  } catch (error) {
    if (!(error instanceof KubeApiError && error.status === 404)) throw error;
  }
  if (clusters.length === 0) {
    results.push({
      name: 'registered clusters',
      ok: true,
      detail: 'none yet (meshctl cluster register NAME --remote-context CTX)',
    });
  }
  const perCluster = await Promise.all(
    clusters.map(async (cluster): Promise<CheckResult[]> => {
      const name = cluster.metadata.name;
      const reregister = `re-register: meshctl cluster register ${name} --remote-context CONTEXT`;
      const { client, result } = await probeRegisteredCluster(mgmt, namespace, name, cluster.spec?.secretName ?? name);
      if (client === undefined) {
        return [{ name: `cluster ${name}`, ok: false, detail: result.message, fix: reregister }];
      }
      if (!result.reachable) {
        return [
          {
            name: `cluster ${name}: reachable`,
            ok: false,
            detail: result.message,
            fix: `make ${client.server} reachable from the management plane, or re-register with --api-server-address`,
          },
        ];
      }
      const checks: CheckResult[] = [{ name: `cluster ${name}: reachable`, ok: true, detail: client.server }];
      try {
        const denied: string[] = [];
        for (const access of REQUIRED_ACCESS) {
          if (!(await canI(client, access)))
            denied.push(
              `${access.verb} ${access.resource}${access.group === '' ? '' : `.${access.group}`}${'subresource' in access ? `/${access.subresource}` : ''}`,
            );
        }
        checks.push(
          denied.length === 0
            ? {
                name: `cluster ${name}: token authorised`,
                ok: true,
                detail: 'the registered ServiceAccount has its role',
              }
            : {
                name: `cluster ${name}: token authorised`,
                ok: false,
                detail: `not allowed: ${denied.join(', ')}`,
                fix: reregister,
              },
        );
      } catch (error) {
        const status = error instanceof KubeApiError ? error.status : 0;
        checks.push({
          name: `cluster ${name}: token authorised`,
          ok: false,
          detail: status === 401 ? 'the token was rejected (expired or revoked)' : errorText(error),
          fix: reregister,
        });
      }
      return checks;
    }),
  );
  results.push(...perCluster.flat());
  return results;
}

export function formatChecks(results: readonly CheckResult[]): string {
  return results
    .map(
      (r) =>
        `${r.ok ? 'PASS' : 'FAIL'}  ${r.name}: ${r.detail}${r.ok || r.fix === undefined ? '' : `\n      fix: ${r.fix}`}`,
    )
    .join('\n')
    .concat('\n');
}

export function registerCheck(program: Command, io: CommandIO, globals: () => GlobalOptions): void {
  program
    .command('check')
    .description('Check the management plane, the CRDs and every registered cluster (reachable, token authorised)')
    .option(...namespaceOption)
    .action(async (flags: { namespace: string }) => {
      const g = globals();
      const results = await runChecks(managementClient(g), flags.namespace);
      const failed = results.filter((r) => !r.ok).length;
      io.stdout(
        g.outputFormat === 'table'
          ? formatChecks(results)
          : formatData(g.outputFormat, { checks: results }, () => ({ headers: [], rows: [] })),
      );
      if (failed > 0) throw new CommandError(`${failed} of ${results.length} checks failed`);
    });
}

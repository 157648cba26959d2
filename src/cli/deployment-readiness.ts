// Is a Deployment ready (every replica of its current version available)? And if not, why not, in
// one line: replica counts, the Deployment's failing conditions, and what holds its pods back
// (not scheduled, image pull errors, crash loops). Used by `meshctl install` to wait for the
// management plane.
import type { KubeObject } from '../api/meta.ts';
import type { KubeClient } from '../kube/client.ts';
import { DEPLOYMENT, POD } from '../kube/resources.ts';
import { CommandError } from './context.ts';

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}

type DeploymentObject = KubeObject & {
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: Condition[];
  };
};

type PodObject = KubeObject & {
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    conditions?: Condition[];
    containerStatuses?: { name?: string; state?: { waiting?: { reason?: string; message?: string } } }[];
  };
};

export interface Readiness {
  readonly ready: boolean;
  readonly detail: string;
}

function podProblem(pod: PodObject): string | undefined {
  const name = pod.metadata.name;
  const waiting = (pod.status?.containerStatuses ?? []).flatMap((c) =>
    c.state?.waiting?.reason === undefined ? [] : [`${c.name ?? '?'}: ${c.state.waiting.reason}`],
  );
  if (waiting.length > 0) return `pod ${name}: ${waiting.join(', ')}`;
  const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled !== undefined)
    return `pod ${name}: not scheduled (${unscheduled.reason ?? ''}${unscheduled.message === undefined ? '' : `: ${unscheduled.message}`})`;
  if ((pod.spec?.nodeName ?? '') === '')
    return `pod ${name}: ${pod.status?.phase ?? 'Pending'}, not scheduled to a node yet`;
  const notReady = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status !== 'True');
  if (notReady !== undefined) return `pod ${name}: ${pod.status?.phase ?? '?'}, not ready`;
  return undefined;
}

/** Pure: the readiness of a Deployment, given it and its pods. */
export function deploymentReadiness(
  deployment: KubeObject | undefined,
  pods: readonly KubeObject[],
  name: string,
): Readiness {
  if (deployment === undefined) return { ready: false, detail: `Deployment ${name} not found` };
  const d = deployment as DeploymentObject;
  const wanted = d.spec?.replicas ?? 1;
  const status = d.status ?? {};
  const observed = (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 1);
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const counts = `${String(available)} of ${String(wanted)} replicas available`;
  const availableCondition = status.conditions?.find((c) => c.type === 'Available');
  if (observed && updated >= wanted && available >= wanted && availableCondition?.status === 'True')
    return { ready: true, detail: counts };
  const reasons = [counts];
  if (!observed) reasons.push('the Deployment controller has not seen the latest spec yet');
  for (const condition of status.conditions ?? []) {
    if (condition.status === 'False' && condition.message !== undefined)
      reasons.push(`${condition.type ?? '?'}: ${condition.message}`);
  }
  for (const pod of pods) {
    const problem = podProblem(pod);
    if (problem !== undefined) reasons.push(problem);
  }
  if (pods.length === 0 && wanted > 0) reasons.push('no pods yet');
  return { ready: false, detail: reasons.join('; ') };
}

async function readiness(client: KubeClient, namespace: string, name: string): Promise<Readiness> {
  const deployment = (await client.get(DEPLOYMENT, name, namespace)) as DeploymentObject | undefined;
  const selector = Object.entries(deployment?.spec?.selector?.matchLabels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  const pods =
    deployment === undefined || selector === ''
      ? []
      : (await client.list(POD, { namespace, labelSelector: selector })).items;
  return deploymentReadiness(deployment, pods, `${namespace}/${name}`);
}

/**
 * Waits until the Deployment is ready; reports each change of its state through `detail`. After
 * `timeoutMs` fails naming what is not ready.
 */
export async function waitForDeployment(
  client: KubeClient,
  namespace: string,
  name: string,
  timeoutMs: number,
  detail: (text: string) => void,
  pollMs = 1000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await readiness(client, namespace, name);
    detail(state.detail);
    if (state.ready) return;
    if (Date.now() + pollMs > deadline)
      throw new CommandError(
        `Deployment ${namespace}/${name} is not ready after ${durationText(timeoutMs)}: ${state.detail}\n` +
          `  see: kubectl -n ${namespace} describe deployment ${name}; wait longer with --timeout, or skip waiting with --wait=false`,
      );
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

export function durationText(ms: number): string {
  if (ms % 60_000 === 0) return `${String(ms / 60_000)}m`;
  if (ms % 1000 === 0) return `${String(ms / 1000)}s`;
  return `${String(ms)}ms`;
}

/** `90s`, `5m`, `1h`, `500ms` or plain seconds → milliseconds. */
export function parseTimeout(flag: string, value: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(value.trim());
  if (match === null) throw new CommandError(`${flag} ${value}: use a number with ms, s, m or h (e.g. 5m)`, 2);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, '': 1000 }[(match[2] ?? '') as 'ms' | 's' | 'm' | 'h' | ''];
  const ms = Number(match[1]) * unit;
  if (ms <= 0) throw new CommandError(`${flag} ${value}: must be more than 0`, 2);
  return ms;
}

// A witness on one workload cluster: watches, with the cluster's admin credentials and straight to its
// API server (never through a fault proxy), every output kind Mesh Hub owns, and records each event.
// It is what chaos and soak tests count deletes with, and when a policy's version reached the cluster.
import { KubeConfig, Watch } from '@kubernetes/client-node';
import type { KubeObject } from '../../src/api/meta.ts';
import { ISTIO_OUTPUT_TYPES, resourcePath, type ResourceType } from '../../src/kube/resources.ts';

export interface WitnessEvent {
  readonly at: number;
  readonly type: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly object: KubeObject;
}

export interface OutputWitness {
  readonly cluster: string;
  readonly events: readonly WitnessEvent[];
  /** DELETED events of owned outputs since the witness started (or since `since`). */
  deletes(since?: number): WitnessEvent[];
  /** Watches that ended and had to resume (each one a possible gap in the record). */
  readonly restarts: number;
  stop(): void;
}

/** Starts watching; resolves once every watch is open (events from then on are recorded). */
export async function startOutputWitness(
  kubeconfigPath: string,
  context: string,
  ownerLabel: string,
  types: readonly ResourceType[] = ISTIO_OUTPUT_TYPES,
): Promise<OutputWitness> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  kubeConfig.setCurrentContext(context);
  const events: WitnessEvent[] = [];
  const controllers: AbortController[] = [];
  let stopped = false;
  let restarts = 0;
  const watchType = async (type: ResourceType, resourceVersion?: string): Promise<void> => {
    let lastVersion = resourceVersion;
    const controller = await new Watch(kubeConfig).watch(
      resourcePath(type),
      {
        labelSelector: ownerLabel,
        allowWatchBookmarks: true,
        ...(lastVersion === undefined ? {} : { resourceVersion: lastVersion }),
      },
      (phase: string, object: KubeObject) => {
        lastVersion = object.metadata.resourceVersion ?? lastVersion;
        if (phase === 'BOOKMARK') return;
        events.push({
          at: performance.now(),
          type: phase,
          kind: type.kind,
          namespace: object.metadata.namespace ?? '',
          name: object.metadata.name,
          object,
        });
      },
      () => {
        if (stopped) return;
        restarts += 1;
        void watchType(type, lastVersion).catch(() => undefined);
      },
    );
    controllers.push(controller);
  };
  // Started from a list's resourceVersion so that nothing between list and watch is missed.
  for (const type of types) await watchType(type, '0');
  return {
    cluster: context,
    events,
    deletes: (since = 0) => events.filter((e) => e.type === 'DELETED' && e.at >= since),
    get restarts() {
      return restarts;
    },
    stop() {
      stopped = true;
      for (const controller of controllers) controller.abort();
    },
  };
}

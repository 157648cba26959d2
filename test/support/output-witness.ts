// A witness on one workload cluster: watches, with the cluster's admin credentials and straight to its
// API server (never through a fault proxy), every output kind Mesh Hub owns, and records each event.
// It is what chaos and soak tests count deletes with, and when a policy's version reached the cluster.
import { KubeConfig, Watch } from '@kubernetes/client-node';
import type { KubeObject } from '../../src/api/meta.ts';
import { clientFromKubeconfigFile, KubeApiError } from '../../src/kube/client.ts';
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
  const client = clientFromKubeconfigFile(context, kubeconfigPath, context);
  const events: WitnessEvent[] = [];
  const controllers: AbortController[] = [];
  const life = { stopped: false };
  let restarts = 0;
  const record = (type: ResourceType, phase: string, object: KubeObject) => {
    events.push({
      at: performance.now(),
      type: phase,
      kind: type.kind,
      namespace: object.metadata.namespace ?? '',
      name: object.metadata.name,
      object,
    });
  };
  /**
   * Lists, then watches from the list's resourceVersion, resuming from the last one seen when a watch
   * ends (client-node ends idle watches after a while). If the server no longer has that version
   * (410), it lists again, and an object gone since is recorded as DELETED: no delete goes unseen.
   */
  const follow = async (type: ResourceType, known: Map<string, KubeObject>): Promise<void> => {
    const list = await client.list(type, { labelSelector: ownerLabel });
    const listed = new Map(list.items.map((o) => [`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));
    for (const [key, object] of known) if (!listed.has(key)) record(type, 'DELETED', object);
    known.clear();
    for (const [key, object] of listed) known.set(key, object);
    let lastVersion = list.metadata.resourceVersion;
    let gone = false;
    const watch = async (): Promise<void> => {
      const controller = await new Watch(kubeConfig).watch(
        resourcePath(type),
        {
          labelSelector: ownerLabel,
          allowWatchBookmarks: true,
          ...(lastVersion === undefined ? {} : { resourceVersion: lastVersion }),
        },
        (phase: string, object: KubeObject) => {
          if (phase === 'ERROR') {
            gone = true; // 410 Gone arrives as an ERROR event
            return;
          }
          lastVersion = object.metadata.resourceVersion ?? lastVersion;
          if (phase === 'BOOKMARK') return;
          const key = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
          if (phase === 'DELETED') known.delete(key);
          else known.set(key, object);
          record(type, phase, object);
        },
        () => {
          if (life.stopped) return;
          restarts += 1;
          void (async () => {
            // Until the API server answers again (a test may have stopped it).
            while (!life.stopped) {
              try {
                await (gone ? follow(type, known) : watch());
                return;
              } catch {
                await new Promise((r) => setTimeout(r, 1000));
              }
            }
          })();
        },
      );
      controllers.push(controller);
    };
    await watch();
  };
  // Right after its CRDs are installed an API server may still answer 429 "storage is (re)initializing"
  // for a kind: the witness waits for it rather than failing the test that starts it.
  for (const type of types) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await follow(type, new Map());
        break;
      } catch (error) {
        const status = error instanceof KubeApiError ? error.status : 0;
        if (Date.now() > deadline || !(status === 429 || status >= 500)) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
  return {
    cluster: context,
    events,
    deletes: (since = 0) => events.filter((e) => e.type === 'DELETED' && e.at >= since),
    get restarts() {
      return restarts;
    },
    stop() {
      life.stopped = true;
      for (const controller of controllers) controller.abort();
    },
  };
}

// One registered cluster's objects, parsed and indexed once so every detector looks things up in O(1).
import type { z } from 'zod';
import { fieldPath } from '../api/common/field-path.ts';
import {
  ConfigMap,
  Controller,
  EndpointSlice,
  Endpoints,
  Namespace,
  Node,
  Pod,
  Service,
} from '../api/k8s/workloads.ts';
import type { InputObject, Warning } from '../snapshot/input.ts';
import { describeObject } from '../snapshot/input.ts';
import { passesUnchanged } from './unchanged-parse.ts';

export interface ClusterIndex {
  readonly cluster: string;
  readonly deployments: readonly Controller[];
  readonly statefulSets: readonly Controller[];
  readonly daemonSets: readonly Controller[];
  /** ReplicaSets by namespace, then name. */
  readonly replicaSets: ByNamespace<Controller>;
  readonly pods: readonly Pod[];
  readonly services: readonly Service[];
  /** EndpointSlices by namespace, then service name. */
  readonly endpointSlices: ByNamespace<readonly EndpointSlice[]>;
  /** Endpoints by namespace, then name. */
  readonly endpoints: ByNamespace<Endpoints>;
  /** ConfigMaps by namespace/name. */
  readonly configMaps: ReadonlyMap<string, ConfigMap>;
  readonly nodes: ReadonlyMap<string, Node>;
  readonly namespaces: ReadonlyMap<string, Namespace>;
}

export function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/**
 * Objects by namespace (no namespace: ''), then name. Looked up with the strings the objects already
 * hold, so the tens of thousands of lookups of a render build no key strings.
 */
export type ByNamespace<T> = ReadonlyMap<string, ReadonlyMap<string, T>>;

export function lookup<T>(map: ByNamespace<T>, namespace: string | undefined, name: string): T | undefined {
  return map.get(namespace ?? '')?.get(name);
}

function inNamespace<T>(map: Map<string, Map<string, T>>, namespace: string | undefined): Map<string, T> {
  let names = map.get(namespace ?? '');
  if (names === undefined) {
    names = new Map();
    map.set(namespace ?? '', names);
  }
  return names;
}

const CORE = 'v1';
const APPS = 'apps/v1';

export function indexCluster(cluster: string, objects: readonly InputObject[], warnings: Warning[]): ClusterIndex {
  const deployments: Controller[] = [];
  const statefulSets: Controller[] = [];
  const daemonSets: Controller[] = [];
  const replicaSets = new Map<string, Map<string, Controller>>();
  const pods: Pod[] = [];
  const services: Service[] = [];
  const endpointSlices = new Map<string, Map<string, EndpointSlice[]>>();
  const endpoints = new Map<string, Map<string, Endpoints>>();
  const configMaps = new Map<string, ConfigMap>();
  const nodes = new Map<string, Node>();
  const namespaces = new Map<string, Namespace>();

  const parse = <S extends z.ZodType>(schema: S, input: InputObject): z.infer<S> | undefined => {
    // Most objects pass unchanged: use them as they are rather than a parsed copy of each.
    if (passesUnchanged(schema)(input.object)) return input.object as z.infer<S>;
    const result = schema.safeParse(input.object);
    if (result.success) return result.data;
    const [issue] = result.error.issues;
    warnings.push({
      cluster,
      object: describeObject(input.object),
      source: input.source,
      message: `skipped: ${issue === undefined ? 'invalid' : `${fieldPath(issue.path)}: ${issue.message}`}`,
    });
    return undefined;
  };

  for (const input of objects) {
    const { apiVersion, kind, metadata } = input.object;
    if (
      apiVersion === APPS &&
      (kind === 'Deployment' || kind === 'StatefulSet' || kind === 'DaemonSet' || kind === 'ReplicaSet')
    ) {
      const controller = parse(Controller, input);
      if (controller === undefined) continue;
      if (kind === 'Deployment') deployments.push(controller);
      else if (kind === 'StatefulSet') statefulSets.push(controller);
      else if (kind === 'DaemonSet') daemonSets.push(controller);
      else inNamespace(replicaSets, metadata.namespace).set(metadata.name, controller);
    } else if (apiVersion === CORE) {
      switch (kind) {
        case 'Pod': {
          const pod = parse(Pod, input);
          if (pod !== undefined) pods.push(pod);
          break;
        }
        case 'Service': {
          const service = parse(Service, input);
          if (service !== undefined) services.push(service);
          break;
        }
        case 'Endpoints': {
          const parsed = parse(Endpoints, input);
          if (parsed !== undefined) inNamespace(endpoints, metadata.namespace).set(metadata.name, parsed);
          break;
        }
        case 'ConfigMap': {
          const parsed = parse(ConfigMap, input);
          if (parsed !== undefined) configMaps.set(key(metadata.namespace, metadata.name), parsed);
          break;
        }
        case 'Node': {
          const parsed = parse(Node, input);
          if (parsed !== undefined) nodes.set(metadata.name, parsed);
          break;
        }
        case 'Namespace': {
          const parsed = parse(Namespace, input);
          if (parsed !== undefined) namespaces.set(metadata.name, parsed);
          break;
        }
        default:
          break;
      }
    } else if (apiVersion === 'discovery.k8s.io/v1' && kind === 'EndpointSlice') {
      const slice = parse(EndpointSlice, input);
      const service = slice?.metadata.labels?.['kubernetes.io/service-name'];
      if (slice === undefined || service === undefined) continue;
      const byService = inNamespace(endpointSlices, metadata.namespace);
      const list = byService.get(service);
      if (list === undefined) byService.set(service, [slice]);
      else list.push(slice);
    }
  }
  return {
    cluster,
    deployments,
    statefulSets,
    daemonSets,
    replicaSets,
    pods,
    services,
    endpointSlices,
    endpoints,
    configMaps,
    nodes,
    namespaces,
  };
}

/** The region of a cluster: the most common `topology.kubernetes.io/region` of its Nodes. */
export function clusterRegion(index: ClusterIndex): string | undefined {
  const counts = new Map<string, number>();
  for (const node of index.nodes.values()) {
    const labels = node.metadata.labels ?? {};
    const region = labels['topology.kubernetes.io/region'] ?? labels['failure-domain.beta.kubernetes.io/region'];
    if (region !== undefined) counts.set(region, (counts.get(region) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
}

export function nodeZone(index: ClusterIndex, nodeName: string | undefined): string | undefined {
  if (nodeName === undefined) return undefined;
  const labels = index.nodes.get(nodeName)?.metadata.labels ?? {};
  return labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'];
}

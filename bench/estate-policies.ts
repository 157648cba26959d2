// The management objects of a generated estate (bench/estate.ts): Settings, one federating
// VirtualMesh over the Istio clusters, a KubernetesCluster per cluster, and TrafficPolicies and
// AccessPolicies shaped like the reference estate's. Shared by the benchmark and the incremental
// render's property test.
import type { KubeObject } from '../src/api/meta.ts';
import { meshNameOfCluster, meshOfCluster, type EstateSize } from './estate.ts';

/** Deterministic pseudo-random numbers (mulberry32), one stream per seed string. */
export function random(seed: string): {
  next: () => number;
  int: (n: number) => number;
  pick: <T>(list: readonly T[]) => T;
} {
  let state = 2166136261;
  for (const char of seed) state = Math.imul(state ^ char.charCodeAt(0), 16777619);
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: (list) => list[int(list.length)] as (typeof list)[number] };
}

/** The Service after `svc-N` in its namespace (the first one after the last), for shifts between whole Services. */
function neighbour(service: string, size: EstateSize): string {
  const s = Number(service.slice('svc-'.length));
  const first = s - (s % size.servicesPerNamespace);
  return `svc-${String(first + ((s - first + 1) % size.servicesPerNamespace))}`;
}

/**
 * The management objects of the §5 estate, shaped like the reference estate's (one Service by
 * reference, a few by reference, one app in one or two clusters, a whole namespace; a third with
 * source selectors; every policy matching a path prefix).
 */
export function managementObjects(
  size: EstateSize,
  trafficPolicyCount: number,
  accessPolicyCount: number,
): KubeObject[] {
  const clusters = Array.from({ length: size.clusters }, (_, c) => `cluster-${String(c + 1)}`);
  const service = (r: ReturnType<typeof random>) => {
    const s = r.int(size.servicesPerCluster);
    return {
      name: `svc-${String(s)}`,
      namespace: `ns-${String(Math.floor(s / size.servicesPerNamespace))}`,
      clusterName: r.pick(clusters),
    };
  };
  const ns = 'gloo-mesh';
  const objects: KubeObject[] = [
    {
      apiVersion: 'settings.mesh.gloo.solo.io/v1',
      kind: 'Settings',
      metadata: { name: 'settings', namespace: ns },
      spec: { mtls: { istio: { tlsMode: 'ISTIO_MUTUAL' } } },
    },
    {
      apiVersion: 'networking.mesh.gloo.solo.io/v1',
      kind: 'VirtualMesh',
      metadata: { name: 'virtual-mesh', namespace: ns, generation: 1 },
      spec: {
        // Istio's clusters: the VirtualMesh is the bench's federation and shared trust.
        meshes: clusters.flatMap((_, c) =>
          meshOfCluster(c, size) === 'istio' ? [{ name: meshNameOfCluster(c, size), namespace: ns }] : [],
        ),
        mtlsConfig: { shared: { rootCertificateAuthority: { generated: {} } } },
        federation: {
          selectors: [{ destinationSelectors: [{ kubeServiceMatcher: { labels: { federated: 'true' } } }] }],
        },
        globalAccessPolicy: 'ENABLED',
      },
    },
    ...clusters.map((c) => ({
      apiVersion: 'multicluster.solo.io/v1alpha1',
      kind: 'KubernetesCluster',
      metadata: { name: c, namespace: ns },
      spec: { secretName: c, clusterDomain: 'cluster.local' },
    })),
  ];
  for (let t = 0; t < trafficPolicyCount; t++) {
    const r = random(`tp:${String(t)}`);
    const name = `tp-${String(t).padStart(4, '0')}`;
    const spec: Record<string, unknown> = {};
    const kind = r.next();
    let single: ReturnType<typeof service> | undefined;
    if (kind < 0.45) {
      single = service(r);
      spec.destinationSelector = [{ kubeServiceRefs: { services: [single] } }];
    } else if (kind < 0.55) {
      spec.destinationSelector = [{ kubeServiceRefs: { services: [service(r), service(r), service(r)] } }];
    } else if (kind < 0.8) {
      const s = service(r);
      spec.destinationSelector = [
        {
          kubeServiceMatcher: {
            labels: { app: s.name },
            namespaces: [s.namespace],
            clusters: [s.clusterName, r.pick(clusters)],
          },
        },
      ];
    } else {
      const s = service(r);
      spec.destinationSelector = [{ kubeServiceMatcher: { namespaces: [s.namespace], clusters: [s.clusterName] } }];
    }
    if (r.next() < 0.35) {
      const caller = service(r);
      spec.sourceSelector = [{ kubeWorkloadMatcher: { labels: { app: caller.name }, namespaces: [caller.namespace] } }];
    }
    const matcher: Record<string, unknown> = { uri: { prefix: `/${name}/` } };
    if (r.next() < 0.3) matcher.method = r.pick(['GET', 'POST']);
    if (r.next() < 0.15) matcher.headers = [{ name: 'x-canary', value: 'true' }];
    // OSM cannot match requests (an SMI TrafficSplit has no matches): a policy for one OSM Service has none.
    const meshOfSingle =
      single === undefined ? undefined : meshOfCluster(Number(single.clusterName.slice('cluster-'.length)) - 1, size);
    if (meshOfSingle !== 'osm') spec.httpRequestMatchers = [matcher];
    const policy: Record<string, unknown> = {};
    if (single !== undefined && r.next() < 0.4) {
      const w = r.pick([1, 5, 10, 20, 50]);
      const target = single;
      policy.trafficShift = {
        destinations:
          meshOfSingle === 'istio'
            ? [
                { kubeService: { ...target, subset: { version: 'v1' }, port: 8080 }, weight: 100 - w },
                {
                  kubeService: { ...target, subset: { version: `v${String(size.workloadsPerService)}` }, port: 8080 },
                  weight: w,
                },
              ]
            : // Linkerd and OSM shift between whole Services: to the next Service of the namespace.
              [
                { kubeService: { ...target, port: 8080 }, weight: 100 - w },
                { kubeService: { ...target, name: neighbour(target.name, size), port: 8080 }, weight: w },
              ],
      };
    }
    if (r.next() < 0.5) policy.retries = { attempts: 1 + r.int(5), perTryTimeout: `${String(1 + r.int(5))}s` };
    if (r.next() < 0.4) policy.requestTimeout = `${String(r.pick([2, 5, 10, 30]))}s`;
    if (r.next() < 0.1) policy.faultInjection = { abort: { httpStatus: r.pick([500, 503]) }, percentage: 1 };
    if (r.next() < 0.25) policy.headerManipulation = { appendRequestHeaders: { 'x-policy': name } };
    if (r.next() < 0.1)
      policy.corsPolicy = { allowOrigins: [{ exact: `https://app-${String(t)}.example.com` }], allowMethods: ['GET'] };
    if (single !== undefined && r.next() < 0.2) policy.outlierDetection = { consecutiveErrors: r.pick([3, 5, 7]) };
    if (Object.keys(policy).length === 0) policy.retries = { attempts: 3, perTryTimeout: '2s' };
    spec.policy = policy;
    objects.push({
      apiVersion: 'networking.mesh.gloo.solo.io/v1',
      kind: 'TrafficPolicy',
      metadata: { name, namespace: ns, generation: 1 },
      spec,
    });
  }
  for (let a = 0; a < accessPolicyCount; a++) {
    const r = random(`ap:${String(a)}`);
    const s = service(r);
    const spec: Record<string, unknown> = {};
    const kind = r.next();
    if (kind < 0.4)
      spec.destinationSelector = [
        { kubeServiceMatcher: { labels: { app: s.name }, namespaces: [s.namespace], clusters: [s.clusterName] } },
      ];
    else if (kind < 0.7)
      spec.destinationSelector = [{ kubeServiceMatcher: { namespaces: [s.namespace], clusters: [s.clusterName] } }];
    else spec.destinationSelector = [{ kubeServiceRefs: { services: [s, service(r)] } }];
    const source = r.next();
    if (source < 0.5) {
      const callers = Array.from({ length: 1 + r.int(3) }, () => {
        const c = service(r);
        return { name: c.name, namespace: c.namespace, clusterName: c.clusterName };
      });
      spec.sourceSelector = [{ kubeServiceAccountRefs: { serviceAccounts: callers } }];
    } else if (source < 0.85) {
      const c = service(r);
      spec.sourceSelector = [
        {
          kubeIdentityMatcher: { namespaces: [c.namespace], ...(r.next() < 0.5 ? { clusters: [c.clusterName] } : {}) },
        },
      ];
    }
    if (r.next() < 0.3) spec.allowedPaths = ['/api/*', '/healthz'];
    if (r.next() < 0.4) spec.allowedMethods = ['GET'];
    objects.push({
      apiVersion: 'networking.mesh.gloo.solo.io/v1',
      kind: 'AccessPolicy',
      metadata: { name: `ap-${String(a).padStart(4, '0')}`, namespace: ns, generation: 1 },
      spec,
    });
  }
  return objects;
}

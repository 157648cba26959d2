// `meshctl explain request` for a Destination in an Open Service Mesh, on the objects Mesh Hub's OSM
// translator writes (src/networking/translate/osm/), evaluated the way OSM 1.2 evaluates them.
//
// Routing: an SMI TrafficSplit whose root service is the Destination's Service splits every request
// to it by weight (a TrafficSplit has no matches); without one, requests go to the Service. A Retry
// whose source is the client's service account and whose destinations name the Service gives retries.
// Access: identities are service accounts. A request reaches one of the Destination's pods; OSM
// allows it when a TrafficTarget in the pod's namespace names the pod's service account as
// destination, the client's as a source, and a rule whose HTTPRouteGroup matches (pathRegex over the
// whole path, methods or `*`, headers as regexes); otherwise it denies (unless the MeshConfig turns
// on permissive mode, which the outputs do not show). OSM has no multicluster: a client must be in
// the Destination's cluster and mesh.
import type { KubeObject } from '../api/meta.ts';
import { osmPortProtocol } from '../networking/translate/osm/traffic-target.ts';
import {
  backingWorkloads,
  clusterInputsOf,
  denyingVirtualMesh,
  destinationOfService,
  type DestinationFacts,
  list,
  meshKindOf,
  num,
  objectsOf,
  parents,
  percentOf,
  qualifiedName,
  record,
  requestPort,
  type ServicePort,
  sourceFacts,
  type SourceFacts,
  specOf,
  statusOf,
  text,
  used,
} from './estate-objects.ts';
import type {
  AccessAnswer,
  Backend,
  Explanation,
  HypotheticalRequest,
  RenderedEstate,
  RouteAnswer,
  UsedObject,
} from './explanation.ts';

interface Context {
  readonly estate: RenderedEstate;
  readonly request: HypotheticalRequest;
  readonly used: UsedObject[];
  readonly notes: Set<string>;
  /** The mesh's MeshConfig; undefined when the estate has no cluster inputs, null when they hold none. */
  readonly meshConfig: MeshConfigFacts | null | undefined;
}

interface MeshConfigFacts {
  readonly ref: UsedObject;
  /** spec.traffic.enablePermissiveTrafficPolicyMode (false when unset, as OSM reads it). */
  readonly permissive: boolean;
  /** spec.featureFlags.enableRetryPolicy (false when unset). */
  readonly retryPolicyEnabled: boolean;
}

/** OSM's MeshConfig `osm-mesh-config` in the control plane's namespace and cluster, from the clusters' own objects. */
function meshConfigOf(estate: RenderedEstate, mesh: KubeObject | undefined): MeshConfigFacts | null | undefined {
  const configs = clusterInputsOf(estate, 'config.openservicemesh.io', 'MeshConfig');
  if (configs === undefined) return undefined;
  const installation = record(record(specOf(mesh).osm).installation);
  const namespace = text(installation.namespace) ?? 'osm-system';
  const found = configs.find(
    ({ cluster, object }) =>
      cluster === installation.cluster &&
      object.metadata.namespace === namespace &&
      object.metadata.name === 'osm-mesh-config',
  );
  if (found === undefined) return null;
  const spec = specOf(found.object);
  return {
    ref: used(found.cluster, found.object),
    permissive: record(spec.traffic).enablePermissiveTrafficPolicyMode === true,
    retryPolicyEnabled: record(spec.featureFlags).enableRetryPolicy === true,
  };
}

function describeConfig(ref: UsedObject): string {
  return `MeshConfig ${ref.namespace ?? ''}/${ref.name} in cluster ${ref.cluster}`;
}

interface Account {
  readonly namespace: string;
  readonly name: string;
}

function accountKey(a: Account): string {
  return `${a.namespace}/${a.name}`;
}

function isAccount(value: unknown, account: Account): boolean {
  const s = record(value);
  return (
    (text(s.kind) ?? 'ServiceAccount') === 'ServiceAccount' &&
    s.name === account.name &&
    s.namespace === account.namespace
  );
}

/** Envoy's safe regex, as OSM writes it: RE2 over the whole value; here JavaScript RegExp, anchored. */
function fullMatch(pattern: string, value: string): boolean | undefined {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return undefined;
  }
}

function evaluateRoute(ctx: Context, destination: DestinationFacts, source: SourceFacts | undefined): RouteAnswer {
  const { estate } = ctx;
  const cluster = destination.cluster;
  const split = objectsOf(estate, cluster, 'TrafficSplit', destination.namespace).find((s) => {
    const root = text(specOf(s).service) ?? '';
    return root === destination.service || root.startsWith(`${destination.service}.${destination.namespace}.`);
  });
  const trafficPolicies: string[] = [];
  let backends: Backend[];
  let reason: string;
  if (split === undefined) {
    reason = `no TrafficSplit for Service ${destination.namespace}/${destination.service} in ${cluster}: OSM sends every request to its endpoints`;
    backends = [{ host: destination.localFqdn, weight: 100, destination: destination.name, cluster, via: 'local' }];
  } else {
    ctx.used.push(used(cluster, split));
    trafficPolicies.push(...parents(split, 'TrafficPolicy'));
    reason = `splits every request to the root Service by weight (an SMI TrafficSplit has no matches)`;
    const entries = list(specOf(split).backends).map(record);
    const total = entries.reduce((sum, b) => sum + (num(b.weight) ?? 0), 0);
    backends = entries.map((b) => {
      const name = text(b.service) ?? '';
      const weight = num(b.weight) ?? 0;
      const target = destinationOfService(estate, cluster, destination.namespace, name);
      const percent = percentOf(weight, total);
      return {
        host: text(statusOf(target).localFqdn) ?? `${name}.${destination.namespace}.svc.cluster.local`,
        weight: percent,
        ...(percent === weight ? {} : { objectWeight: weight }),
        ...(target === undefined ? {} : { destination: target.metadata.name, cluster }),
        via: target === undefined ? 'unknown' : 'local',
      };
    });
  }
  const retriesToService = objectsOf(estate, cluster, 'Retry').filter((r) =>
    list(specOf(r).destinations).some((d) => {
      const ref = record(d);
      return ref.kind === 'Service' && ref.name === destination.service && ref.namespace === destination.namespace;
    }),
  );
  let retries: unknown;
  if (source === undefined) {
    if (retriesToService.length > 0)
      ctx.notes.add('OSM retries are per source service account: give --from to see them');
  } else {
    const retry = retriesToService.find((r) =>
      isAccount(specOf(r).source, { namespace: source.namespace, name: source.serviceAccount }),
    );
    if (retry !== undefined) {
      ctx.used.push(used(cluster, retry));
      const config = ctx.meshConfig;
      if (config === null || config === undefined) {
        retries = specOf(retry).retryPolicy;
        trafficPolicies.push(...parents(retry, 'TrafficPolicy'));
        ctx.notes.add(
          'OSM applies Retry objects only while its MeshConfig sets spec.featureFlags.enableRetryPolicy: true, and the MeshConfig is not known here',
        );
      } else if (config.retryPolicyEnabled) {
        ctx.used.push(config.ref);
        retries = specOf(retry).retryPolicy;
        trafficPolicies.push(...parents(retry, 'TrafficPolicy'));
      } else {
        ctx.used.push(config.ref);
        ctx.notes.add(
          `Retry ${qualifiedName(retry)} is written, but OSM ignores it: ${describeConfig(config.ref)} does not set spec.featureFlags.enableRetryPolicy: true (Mesh Hub does not manage it)`,
        );
      }
    }
  }
  return {
    ...(split === undefined ? {} : { routeObject: used(cluster, split) }),
    reason,
    trafficPolicies: [...new Set(trafficPolicies)].sort(),
    ...(retries === undefined ? {} : { retries }),
    backends,
  };
}

/** Whether one TrafficTarget rule's HTTPRouteGroup matches allow the request. */
function ruleAllows(ctx: Context, cluster: string, target: KubeObject, rawRule: unknown): boolean | undefined {
  const rule = record(rawRule);
  if (rule.kind !== 'HTTPRouteGroup') {
    ctx.notes.add(
      `TrafficTarget ${qualifiedName(target)}: a ${String(rule.kind)} rule is not evaluated (Mesh Hub does not write one)`,
    );
    return undefined;
  }
  const group = objectsOf(ctx.estate, cluster, 'HTTPRouteGroup', target.metadata.namespace).find(
    (g) => g.metadata.name === rule.name,
  );
  if (group === undefined) {
    ctx.notes.add(
      `TrafficTarget ${qualifiedName(target)} names HTTPRouteGroup ${String(rule.name)}, which is not among the outputs`,
    );
    return false;
  }
  ctx.used.push(used(cluster, group));
  const names = new Set(list(rule.matches).filter((n): n is string => typeof n === 'string'));
  const method = ctx.request.method ?? 'GET';
  const path = ctx.request.path ?? '/';
  let unknown = false;
  for (const m of list(specOf(group).matches).map(record)) {
    if (!names.has(text(m.name) ?? '')) continue;
    const methods = list(m.methods).filter((x): x is string => typeof x === 'string');
    if (methods.length > 0 && !methods.includes('*') && !methods.includes(method)) continue;
    const pathOk = text(m.pathRegex) === undefined ? true : fullMatch(text(m.pathRegex) ?? '', path);
    const headerOks = Object.entries(record(m.headers)).map(([name, value]) => {
      const actual = ctx.request.headers?.[name.toLowerCase()];
      return actual === undefined ? false : fullMatch(String(value), actual);
    });
    const all = [pathOk, ...headerOks];
    if (all.every((x) => x === true)) return true;
    if (all.includes(undefined) && !all.includes(false)) unknown = true;
  }
  return unknown ? undefined : false;
}

/** Whether OSM lets the source reach pods running as `account`; undefined when that cannot be told. */
function accountAllows(
  ctx: Context,
  destination: DestinationFacts,
  account: Account,
  source: Account | undefined,
  tcp: boolean,
): { allowed: boolean | undefined; by: KubeObject[] } {
  const cluster = destination.cluster;
  // OSM reads a TrafficTarget only in its destination's namespace.
  const targets = objectsOf(ctx.estate, cluster, 'TrafficTarget', account.namespace).filter((t) =>
    isAccount(specOf(t).destination, account),
  );
  for (const t of targets) ctx.used.push(used(cluster, t));
  if (targets.length === 0) return { allowed: false, by: [] };
  if (source === undefined) return { allowed: undefined, by: [] };
  const by: KubeObject[] = [];
  let unknown = false;
  for (const t of targets) {
    if (!list(specOf(t).sources).some((s) => isAccount(s, source))) continue;
    const results = tcp ? [true] : list(specOf(t).rules).map((rule) => ruleAllows(ctx, cluster, t, rule));
    if (results.includes(true)) by.push(t);
    else if (results.includes(undefined)) unknown = true;
  }
  return { allowed: by.length > 0 ? true : unknown ? undefined : false, by };
}

function evaluateAccess(
  ctx: Context,
  destination: DestinationFacts,
  port: ServicePort | undefined,
  source: SourceFacts | undefined,
): AccessAnswer {
  const accounts = new Map<string, Account>();
  for (const workload of backingWorkloads(ctx.estate, destination)) {
    ctx.used.push(used('mgmt', workload));
    const k = record(specOf(workload).kubernetes);
    const account = { namespace: destination.namespace, name: text(k.serviceAccountName) ?? 'default' };
    accounts.set(accountKey(account), account);
  }
  if (accounts.size === 0) {
    return {
      decision: 'UNKNOWN',
      reason: `Destination ${destination.name} selects no discovered Workload: the service accounts TrafficTargets would name are unknown`,
      allowedBy: [],
    };
  }
  const tcp = port !== undefined && osmPortProtocol(port).startsWith('tcp');
  if (tcp)
    ctx.notes.add(
      `OSM treats port ${String(port.port)} as TCP: a TrafficTarget allows its sources whatever the path or method`,
    );
  const from = source === undefined ? undefined : { namespace: source.namespace, name: source.serviceAccount };
  const results = [...accounts.values()]
    .sort((a, b) => (accountKey(a) < accountKey(b) ? -1 : 1))
    .map((account) => ({ account, ...accountAllows(ctx, destination, account, from, tcp) }));
  const allowing = results.flatMap((r) => r.by);
  const first = allowing[0];
  if (results.every((r) => r.allowed === true) && first !== undefined) {
    return {
      decision: 'ALLOW',
      reason: `allowed by TrafficTarget ${qualifiedName(first)}`,
      allowedBy: [...new Set(allowing.flatMap((t) => parents(t, 'AccessPolicy')))].sort(),
      decidedBy: used(destination.cluster, first),
    };
  }
  const config = ctx.meshConfig;
  if (config !== null && config !== undefined) ctx.used.push(config.ref);
  if (config !== null && config !== undefined && config.permissive) {
    return {
      decision: 'ALLOW',
      reason: `${describeConfig(config.ref)} sets permissive traffic policy mode: OSM lets every meshed client call, whatever the TrafficTargets say`,
      allowedBy: [],
      decidedBy: config.ref,
    };
  }
  if (results.every((r) => r.allowed === false)) {
    const denying = denyingVirtualMesh(ctx.estate, destination.mesh);
    const byDefault = denying === undefined ? '' : `; VirtualMesh ${qualifiedName(denying)} asks for default deny`;
    const who = from === undefined ? 'any source' : `ServiceAccount ${accountKey(from)}`;
    return {
      decision: 'DENY',
      reason: `no AccessPolicy allows it: no TrafficTarget allows ${who} to call ServiceAccount ${results.map((r) => accountKey(r.account)).join(', ')} with this request, and OSM denies what none allows (${
        config === null || config === undefined
          ? 'while its MeshConfig, not known here, keeps permissive traffic policy mode off'
          : `${describeConfig(config.ref)} keeps permissive traffic policy mode off`
      }${byDefault})`,
      allowedBy: [],
    };
  }
  if (from === undefined)
    return { decision: 'UNKNOWN', reason: 'TrafficTargets name source service accounts: give --from', allowedBy: [] };
  const part = (value: boolean | undefined) =>
    results
      .filter((r) => r.allowed === value)
      .map((r) => accountKey(r.account))
      .join(', ');
  return {
    decision: 'UNKNOWN',
    reason: `allowed on pods running as ${part(true) || 'none'}, denied on those running as ${part(false) || 'none'}${part(undefined) === '' ? '' : `, undecided for ${part(undefined)}`}: it depends on the pod the request reaches`,
    allowedBy: [...new Set(allowing.flatMap((t) => parents(t, 'AccessPolicy')))].sort(),
  };
}

export function explainOsmRequest(
  estate: RenderedEstate,
  request: HypotheticalRequest,
  destination: DestinationFacts,
): Explanation {
  const ctx: Context = {
    estate,
    request,
    used: [used('mgmt', destination.object)],
    notes: new Set(),
    meshConfig: meshConfigOf(estate, destination.mesh),
  };
  let source: SourceFacts | undefined;
  if (request.from !== undefined) {
    source = sourceFacts(estate, request.from);
    ctx.used.push(used('mgmt', source.object));
  } else {
    ctx.notes.add('no --from: retries and access, which OSM decides by the source service account, may be UNKNOWN');
  }
  const port = requestPort(destination, ctx.notes);
  let problem: string | undefined;
  if (source !== undefined && source.cluster !== destination.cluster) {
    problem = `OSM 1.2 has no multicluster support: a client in cluster ${source.cluster} cannot reach a Destination in cluster ${destination.cluster} through it`;
  } else if (source !== undefined && source.mesh?.metadata.name !== destination.mesh?.metadata.name) {
    problem = `the source is not in the Destination's Open Service Mesh (its mesh: ${source.mesh === undefined ? 'none' : `${meshKindOf(source.mesh)} ${source.mesh.metadata.name}`}): OSM neither routes nor authenticates it`;
  }
  const route: Explanation['route'] =
    problem === undefined ? evaluateRoute(ctx, destination, source) : { error: problem };
  const access: AccessAnswer =
    problem === undefined
      ? evaluateAccess(ctx, destination, port, source)
      : { decision: 'UNKNOWN', reason: `not evaluated: ${problem}`, allowedBy: [] };
  return {
    mesh: 'osm',
    request,
    ...(source === undefined
      ? {}
      : {
          source: {
            workload: source.workload,
            cluster: source.cluster,
            namespace: source.namespace,
            principal: `ServiceAccount ${source.namespace}/${source.serviceAccount}`,
            labels: source.labels,
          },
        }),
    destination: { name: destination.name, cluster: destination.cluster, host: destination.localFqdn },
    clientCluster: source?.cluster ?? destination.cluster,
    route,
    access,
    used: ctx.used,
    notes: [...ctx.notes],
  };
}

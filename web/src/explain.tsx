// The Explain page: a Destination and a source Workload picked from the estate, a method, path and
// headers; GET /api/explain answers which route of which VirtualService the request takes, which
// TrafficPolicies put it there, its backends, and whether the AccessPolicies allow it. The question
// lives in the page's address, so an answer can be linked to (a Destination's page links here).
import { useEffect, useState, type ReactNode, type SyntheticEvent } from 'react';
import type { DestinationPage, Explanation, WorkloadPage } from '../../src/dashboard/api-schema.ts';
import { ApiFailure, computeJson, useApi, type Computed } from './api.ts';
import { Link, errorsText } from './parts.tsx';
import { navigate } from './router.ts';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

type Result =
  | { readonly state: 'idle' }
  | { readonly state: 'running' }
  | { readonly state: 'ok'; readonly answer: Computed<Explanation> }
  | { readonly state: 'error'; readonly message: string };

type Route = Exclude<Explanation['route'], { error: string }>;

function headerLines(search: URLSearchParams): string {
  return search
    .getAll('header')
    .map((h) => {
      const eq = h.indexOf('=');
      return eq === -1 ? h : `${h.slice(0, eq)}: ${h.slice(eq + 1)}`;
    })
    .join('\n');
}

/** `name: value` lines (or `name=value`) as the API's header parameters; blank lines are skipped. */
function headerParams(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const colon = line.search(/[:=]/);
      return colon <= 0 ? line : `${line.slice(0, colon).trim()}=${line.slice(colon + 1).trim()}`;
    });
}

function policyLink(kind: 'TrafficPolicy' | 'AccessPolicy', ref: string) {
  return (
    <Link key={ref} to={`/policies/${kind}/${ref}`}>
      {`${kind} ${ref}`}
    </Link>
  );
}

const MESH_NAMES: Record<Explanation['mesh'], string> = {
  istio: 'Istio',
  linkerd: 'Linkerd',
  osm: 'Open Service Mesh',
};

function joined(items: readonly ReactNode[]) {
  return items.flatMap((item, i) => (i === 0 ? [item] : [', ', item]));
}

function RouteSection(props: {
  mesh: Explanation['mesh'];
  route: Explanation['route'];
  destinationLink: (name: string) => ReactNode;
}) {
  if ('error' in props.route)
    return (
      <section aria-labelledby="route">
        <h2 id="route">Route</h2>
        <p className="error-box">{props.route.error}</p>
      </section>
    );
  const route: Route = props.route;
  // Istio names a VirtualService; Linkerd an HTTPRoute, OSM a TrafficSplit.
  const routed = route.routeObject ?? route.virtualService;
  return (
    <section aria-labelledby="route">
      <h2 id="route">Route</h2>
      <dl className="facts">
        <dt>Mesh</dt>
        <dd>{MESH_NAMES[props.mesh]}, evaluated the way it evaluates requests</dd>
        <dt>Matched</dt>
        <dd data-testid="matched-route">
          {routed === undefined
            ? 'no routing object applies: the default route'
            : `${routed.kind} ${routed.namespace ?? ''}/${routed.name} in ${routed.cluster}, rule ${String(route.routeIndex ?? 0)}`}
        </dd>
        <dt>Why</dt>
        <dd>{route.reason}</dd>
        <dt>Put there by</dt>
        <dd>
          {route.trafficPolicies.length === 0
            ? 'no TrafficPolicy'
            : joined(route.trafficPolicies.map((p) => policyLink('TrafficPolicy', p)))}
        </dd>
        <dt>Timeout</dt>
        <dd>{route.timeout ?? 'none'}</dd>
        <dt>Retries</dt>
        <dd>{route.retries === undefined ? 'none' : JSON.stringify(route.retries)}</dd>
        <dt>Fault</dt>
        <dd>{route.fault === undefined ? 'none' : JSON.stringify(route.fault)}</dd>
        <dt>Mirror</dt>
        <dd>{route.mirror === undefined ? 'none' : JSON.stringify(route.mirror)}</dd>
      </dl>
      <table>
        <caption>Backends</caption>
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col">Weight</th>
            <th scope="col">Subset</th>
            <th scope="col">Destination</th>
            <th scope="col">Cluster</th>
            <th scope="col">Via</th>
          </tr>
        </thead>
        <tbody>
          {route.backends.map((b) => (
            <tr key={`${b.host}|${b.subset ?? ''}|${String(b.port ?? '')}`}>
              <td>{b.host}</td>
              <td>{b.weight}</td>
              <td>
                {b.subset === undefined
                  ? '–'
                  : `${b.subset}${
                      b.subsetLabels === undefined
                        ? ''
                        : ` (${Object.entries(b.subsetLabels)
                            .map(([k, v]) => `${k}=${v}`)
                            .join(', ')})`
                    }`}
              </td>
              <td>{b.destination === undefined ? '–' : props.destinationLink(b.destination)}</td>
              <td>{b.cluster ?? '–'}</td>
              <td>{b.via}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function AccessSection(props: { access: Explanation['access'] }) {
  const a = props.access;
  const tone = a.decision === 'ALLOW' ? 'good' : a.decision === 'DENY' ? 'bad' : 'neutral';
  return (
    <section aria-labelledby="access">
      <h2 id="access">Access</h2>
      <p data-testid="access-decision">
        <span className={`badge badge-${tone}`}>{a.decision}</span> {a.reason}
      </p>
      <dl className="facts">
        <dt>Allowed by</dt>
        <dd>
          {a.allowedBy.length === 0 ? 'no AccessPolicy' : joined(a.allowedBy.map((p) => policyLink('AccessPolicy', p)))}
        </dd>
        <dt>Decided by</dt>
        <dd>
          {a.decidedBy === undefined
            ? '–'
            : `${a.decidedBy.kind} ${a.decidedBy.namespace ?? ''}/${a.decidedBy.name} in ${a.decidedBy.cluster}`}
        </dd>
      </dl>
    </section>
  );
}

export function ExplainView(props: {
  answer: Computed<Explanation>;
  namespaceOf: (name: string) => string | undefined;
  workloadNamespaceOf: (name: string) => string | undefined;
}) {
  const e = props.answer.data;
  const destinationLink = (name: string) => {
    const ns = props.namespaceOf(name);
    return ns === undefined ? name : <Link to={`/destinations/${ns}/${name}`}>{name}</Link>;
  };
  return (
    <>
      {props.answer.warnings.length > 0 && (
        <div className="note">
          Computed without some clusters' current objects:
          {errorsText(props.answer.warnings)}
        </div>
      )}
      <dl className="facts">
        <dt>Request</dt>
        <dd>
          {`${e.request.method ?? 'GET'} ${e.request.path ?? '/'}`}
          {Object.entries(e.request.headers ?? {}).map(([k, v]) => ` ${k}: ${v}`)}
        </dd>
        <dt>From</dt>
        <dd>
          {e.source === undefined ? (
            'an unknown source'
          ) : (
            <>
              {props.workloadNamespaceOf(e.source.workload) === undefined ? (
                e.source.workload
              ) : (
                <Link to={`/workloads/${props.workloadNamespaceOf(e.source.workload) ?? ''}/${e.source.workload}`}>
                  {e.source.workload}
                </Link>
              )}{' '}
              in {e.source.cluster} ({e.source.principal})
            </>
          )}
        </dd>
        <dt>To</dt>
        <dd>
          {destinationLink(e.destination.name)} as {e.destination.host} in {e.destination.cluster}
        </dd>
        <dt>Routed by</dt>
        <dd>the sidecar in {e.clientCluster}</dd>
      </dl>
      <RouteSection mesh={e.mesh} route={e.route} destinationLink={destinationLink} />
      <AccessSection access={e.access} />
      {e.notes.length > 0 && (
        <section aria-labelledby="notes">
          <h2 id="notes">Notes</h2>
          <ul>
            {e.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

export function ExplainPage(props: { search: URLSearchParams; revision: number }) {
  const destinations = useApi<DestinationPage>('/api/destinations?limit=500', props.revision);
  const workloads = useApi<WorkloadPage>('/api/workloads?limit=500', props.revision);
  const query = props.search.toString();
  const [to, setTo] = useState(props.search.get('to') ?? '');
  const [from, setFrom] = useState(props.search.get('from') ?? '');
  const [method, setMethod] = useState((props.search.get('method') ?? 'GET').toUpperCase());
  const [path, setPath] = useState(props.search.get('path') ?? '/');
  const [headers, setHeaders] = useState(headerLines(props.search));
  const [result, setResult] = useState<Result>({ state: 'idle' });

  // The question in the address is answered (again when it changes: a link, back and forward).
  useEffect(() => {
    const asked = new URLSearchParams(query);
    setTo(asked.get('to') ?? '');
    setFrom(asked.get('from') ?? '');
    if (!asked.has('to') || !asked.has('method')) return;
    setResult({ state: 'running' });
    const controller = new AbortController();
    computeJson<Explanation>(`/api/explain?${query}`, { signal: controller.signal }).then(
      (answer) => {
        setResult({ state: 'ok', answer });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setResult({ state: 'error', message: error instanceof ApiFailure ? error.message : String(error) });
      },
    );
    return () => {
      controller.abort();
    };
  }, [query]);

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const params = new URLSearchParams({ to });
    if (from !== '') params.set('from', from);
    params.set('method', method);
    params.set('path', path === '' ? '/' : path);
    for (const h of headerParams(headers)) params.append('header', h);
    navigate(`/explain?${params.toString()}`);
  };

  const destinationRows = destinations.state === 'ok' ? destinations.data.items : [];
  const workloadRows = workloads.state === 'ok' ? workloads.data.items : [];
  const namespaceOf = (name: string) => destinationRows.find((d) => d.name === name)?.namespace;
  return (
    <>
      <h1>Explain a request</h1>
      <p>
        How one request from a Workload to a Destination would be routed and authorized by the configuration Mesh Hub
        generates: the route and the TrafficPolicies behind it, its backends, and the AccessPolicies that allow it.
      </p>
      <form onSubmit={submit} className="compute-form">
        <div className="filters">
          <div className="field">
            <label htmlFor="explain-to">Destination</label>
            <select
              id="explain-to"
              value={to}
              required
              onChange={(e) => {
                setTo(e.target.value);
              }}
            >
              <option value="">Choose a Destination</option>
              {to !== '' && !destinationRows.some((d) => d.name === to) && <option value={to}>{to}</option>}
              {destinationRows.map((d) => (
                <option key={`${d.namespace}/${d.name}`} value={d.name}>
                  {`${d.name} (${d.service} in ${d.cluster})`}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="explain-from">Source Workload</label>
            <select
              id="explain-from"
              value={from}
              onChange={(e) => {
                setFrom(e.target.value);
              }}
            >
              <option value="">Unknown source</option>
              {from !== '' && !workloadRows.some((w) => w.name === from) && <option value={from}>{from}</option>}
              {workloadRows.map((w) => (
                <option key={`${w.namespace}/${w.name}`} value={w.name}>
                  {`${w.name} (${w.controller} in ${w.cluster})`}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="explain-method">Method</label>
            <select
              id="explain-method"
              value={method}
              onChange={(e) => {
                setMethod(e.target.value);
              }}
            >
              {METHODS.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="explain-path">Path</label>
            <input
              id="explain-path"
              value={path}
              onChange={(e) => {
                setPath(e.target.value);
              }}
            />
          </div>
        </div>
        <label className="stacked">
          Headers (one per line, name: value)
          <textarea
            value={headers}
            rows={3}
            spellCheck={false}
            onChange={(e) => {
              setHeaders(e.target.value);
            }}
          />
        </label>
        <button type="submit" disabled={result.state === 'running'}>
          Explain
        </button>
      </form>
      {(destinations.state === 'error' || workloads.state === 'error') && (
        <p className="note">
          The lists of Destinations and Workloads could not be loaded; a name in the address is still explained.
        </p>
      )}
      {result.state === 'running' && <p role="status">Rendering the estate…</p>}
      {result.state === 'error' && (
        <p role="alert" className="error-box">
          {result.message}
        </p>
      )}
      {result.state === 'ok' && (
        <ExplainView
          answer={result.answer}
          namespaceOf={namespaceOf}
          workloadNamespaceOf={(name) => workloadRows.find((w) => w.name === name)?.namespace}
        />
      )}
    </>
  );
}

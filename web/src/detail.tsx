// Detail pages: a Destination (policies applied and rejected with the reason, the objects written
// for it per cluster with their YAML, its status) and a Workload.
import type { DestinationDetail, PolicyDetail, WorkloadDetail } from '../../src/dashboard/api-schema.ts';
import { ms, percent, rate, useApi } from './api.ts';
import { Link, Show, StateBadge, Yaml, errorsText } from './parts.tsx';

type Outputs = DestinationDetail['outputs'];

function OutputsSection(props: { outputs: Outputs }) {
  return (
    <section aria-labelledby="outputs">
      <h2 id="outputs">Objects written in each cluster</h2>
      {props.outputs.length === 0 && <p>No registered cluster holds an object for it.</p>}
      {props.outputs.map((cluster) => (
        <div key={cluster.cluster} className="cluster-outputs">
          <h3>
            {cluster.cluster} {!cluster.reachable && <StateBadge state="unreachable" />}
          </h3>
          {cluster.error !== undefined && <p className="error">{cluster.error}</p>}
          {cluster.objects.length === 0 ? (
            <p>None.</p>
          ) : (
            <ul className="plain">
              {cluster.objects.map((o) => (
                <li key={`${o.kind}/${o.namespace}/${o.name}`}>
                  <Yaml label={`${o.kind} ${o.namespace}/${o.name} (${o.relation})`} text={o.yaml} />
                </li>
              ))}
            </ul>
          )}
        </div>
      ))}
    </section>
  );
}

type Policy = DestinationDetail['policies']['applied'][number];

function PolicyTable(props: { title: string; policies: readonly Policy[] }) {
  if (props.policies.length === 0) return null;
  return (
    <table>
      <caption>{props.title}</caption>
      <thead>
        <tr>
          <th scope="col">Policy</th>
          <th scope="col">State</th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {props.policies.map((p) => (
          <tr key={`${p.kind}/${p.namespace}/${p.name}`}>
            <td>
              <Link to={`/policies/${p.kind}/${p.namespace}/${p.name}`}>{`${p.kind} ${p.namespace}/${p.name}`}</Link>
            </td>
            <td>
              <StateBadge state={p.state} />
            </td>
            <td>{errorsText([...p.errors, ...p.warnings])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DestinationPage(props: { namespace: string; name: string; revision: number }) {
  const loaded = useApi<DestinationDetail>(
    `/api/destinations/${encodeURIComponent(props.namespace)}/${encodeURIComponent(props.name)}`,
    props.revision,
  );
  return (
    <Show loaded={loaded}>
      {(d) => (
        <>
          <h1>Destination {d.name}</h1>
          <p>
            <Link to={`/explain?to=${encodeURIComponent(d.name)}`}>Explain a request to {d.name}</Link>
          </p>
          <dl className="facts">
            <dt>Service</dt>
            <dd>{d.service ?? '–'}</dd>
            <dt>Cluster</dt>
            <dd>{d.cluster ?? '–'}</dd>
            <dt>Mesh</dt>
            <dd>{d.mesh ?? '–'}</dd>
            <dt>Host name</dt>
            <dd>{d.hostname ?? '–'}</dd>
            <dt>Ports</dt>
            <dd>{d.ports.join(', ') || '–'}</dd>
            <dt>Federated</dt>
            <dd>
              {d.federation === undefined
                ? 'no'
                : `as ${d.federation.hostname ?? '?'} to ${d.federation.meshes.join(', ') || 'no mesh'}${d.federation.virtualMesh === undefined ? '' : ` (VirtualMesh ${d.federation.virtualMesh})`}`}
            </dd>
            <dt>Traffic</dt>
            <dd>
              {d.metrics === null
                ? 'no metrics'
                : `${rate(d.metrics.rps)}, ${percent(d.metrics.successRate)} success, p50 ${ms(d.metrics.p50Ms)}, p99 ${ms(d.metrics.p99Ms)}`}
            </dd>
          </dl>
          <section aria-labelledby="policies">
            <h2 id="policies">Policies</h2>
            {d.policies.applied.length + d.policies.rejected.length + d.policies.pending.length === 0 && (
              <p>No policy selects it.</p>
            )}
            <PolicyTable title="Rejected" policies={d.policies.rejected} />
            <PolicyTable title="Applied" policies={d.policies.applied} />
            <PolicyTable title="Pending" policies={d.policies.pending} />
          </section>
          <OutputsSection outputs={d.outputs} />
          <section aria-labelledby="status">
            <h2 id="status">The Destination and its status</h2>
            <Yaml label={`Destination ${d.namespace}/${d.name}`} text={d.yaml} />
          </section>
        </>
      )}
    </Show>
  );
}

export function WorkloadPage(props: { namespace: string; name: string; revision: number }) {
  const loaded = useApi<WorkloadDetail>(
    `/api/workloads/${encodeURIComponent(props.namespace)}/${encodeURIComponent(props.name)}`,
    props.revision,
  );
  return (
    <Show loaded={loaded}>
      {(w) => (
        <>
          <h1>Workload {w.name}</h1>
          <dl className="facts">
            <dt>Controller</dt>
            <dd>{w.controller ?? '–'}</dd>
            <dt>Cluster</dt>
            <dd>{w.cluster ?? '–'}</dd>
            <dt>Mesh</dt>
            <dd>{w.mesh ?? '–'}</dd>
            <dt>Service account</dt>
            <dd>{w.serviceAccount ?? '–'}</dd>
            <dt>Traffic</dt>
            <dd>
              {w.metrics === null ? 'no metrics' : `${rate(w.metrics.rps)}, ${percent(w.metrics.successRate)} success`}
            </dd>
          </dl>
          <h2>Destinations that select it</h2>
          <ul>
            {w.destinations.map((d) => (
              <li key={d}>
                <Link to={`/destinations/${w.namespace}/${d}`}>{d}</Link>
              </li>
            ))}
          </ul>
          <h2>Source of policies</h2>
          <ul>
            {w.sourceOf.map((p) => (
              <li key={`${p.kind}/${p.namespace}/${p.name}`}>
                <Link to={`/policies/${p.kind}/${p.namespace}/${p.name}`}>{`${p.kind} ${p.namespace}/${p.name}`}</Link>
              </li>
            ))}
          </ul>
          <Yaml label={`Workload ${w.namespace}/${w.name}`} text={w.yaml} />
        </>
      )}
    </Show>
  );
}

/** The policy's own errors and each Destination's, named after it. */
function allErrors(p: PolicyDetail): string[] {
  return [...p.errors, ...p.destinations.flatMap((d) => d.errors.map((e) => `${d.destination}: ${e}`))];
}

export function PolicyPage(props: { kind: string; namespace: string; name: string; revision: number }) {
  const loaded = useApi<PolicyDetail>(
    `/api/policies/${encodeURIComponent(props.kind)}/${encodeURIComponent(props.namespace)}/${encodeURIComponent(props.name)}`,
    props.revision,
  );
  return (
    <Show loaded={loaded}>
      {(p) => (
        <>
          <h1>
            {p.kind} {p.namespace}/{p.name}
          </h1>
          <p>
            <StateBadge state={p.state} />{' '}
            {!p.statusCurrent && (
              <span className="note">(the management plane has not processed its latest change yet)</span>
            )}
          </p>
          {allErrors(p).length > 0 && (
            <section aria-labelledby="errors" className="error-box">
              <h2 id="errors">Errors</h2>
              {errorsText(allErrors(p))}
            </section>
          )}
          <h2>Selects</h2>
          <ul>
            {p.destinationSelectors.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ul>
          <h2>State per Destination</h2>
          {p.destinations.length === 0 ? (
            <p>No Destination.</p>
          ) : (
            <table>
              <caption className="visually-hidden">State per Destination</caption>
              <thead>
                <tr>
                  <th scope="col">Destination</th>
                  <th scope="col">Cluster</th>
                  <th scope="col">State</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {p.destinations.map((d) => (
                  <tr key={`${d.namespace}/${d.destination}`}>
                    <td>
                      <Link to={`/destinations/${d.namespace}/${d.destination}`}>{d.destination}</Link>
                    </td>
                    <td>{d.cluster ?? ''}</td>
                    <td>
                      <StateBadge state={d.state} />
                    </td>
                    <td>{errorsText([...d.errors, ...d.warnings])}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <OutputsSection outputs={p.outputs} />
          <Yaml label={`${p.kind} ${p.namespace}/${p.name}`} text={p.yaml} />
        </>
      )}
    </Show>
  );
}

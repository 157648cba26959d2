// The overview: clusters and whether they answer, meshes by type and version, counts, and every
// object in a bad state.
import type { Overview } from '../../src/dashboard/api-schema.ts';
import { useApi } from './api.ts';
import { Link, MetricsNote, Show, StateBadge } from './parts.tsx';

function problemLink(kind: string, namespace: string, name: string): string | undefined {
  if (kind === 'TrafficPolicy' || kind === 'AccessPolicy') return `/policies/${kind}/${namespace}/${name}`;
  if (kind === 'VirtualMesh') return '/virtualmeshes';
  return undefined;
}

export function OverviewPage(props: { revision: number }) {
  const loaded = useApi<Overview>('/api/overview', props.revision);
  return (
    <Show loaded={loaded}>
      {(o) => (
        <>
          <h1>Overview</h1>
          <section aria-labelledby="counts">
            <h2 id="counts">Counts</h2>
            <dl className="counts">
              {(
                [
                  ['Clusters', o.counts.clusters, '/'],
                  ['Meshes', o.counts.meshes, '/'],
                  ['Destinations', o.counts.destinations, '/destinations'],
                  ['Workloads', o.counts.workloads, '/workloads'],
                  ['TrafficPolicies', o.counts.trafficPolicies, '/policies'],
                  ['AccessPolicies', o.counts.accessPolicies, '/policies'],
                  ['VirtualMeshes', o.counts.virtualMeshes, '/virtualmeshes'],
                ] as const
              ).map(([label, count, to]) => (
                <div key={label}>
                  <dt>{to === '/' ? label : <Link to={to}>{label}</Link>}</dt>
                  <dd data-count={label}>{count}</dd>
                </div>
              ))}
            </dl>
            {o.hidden.length > 0 && (
              <p className="note">Not shown (your access does not allow it): {o.hidden.join(', ')}.</p>
            )}
          </section>
          <section aria-labelledby="problems">
            <h2 id="problems">Needs attention ({o.problems.length})</h2>
            {o.problems.length === 0 ? (
              <p>Nothing is in a bad state.</p>
            ) : (
              <table>
                <caption className="visually-hidden">Objects in a bad state</caption>
                <thead>
                  <tr>
                    <th scope="col">Kind</th>
                    <th scope="col">Object</th>
                    <th scope="col">State</th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {o.problems.map((p) => {
                    const to = problemLink(p.kind, p.namespace, p.name);
                    return (
                      <tr key={`${p.kind}/${p.namespace}/${p.name}`}>
                        <td>{p.kind}</td>
                        <td>
                          {to === undefined ? (
                            `${p.namespace}/${p.name}`
                          ) : (
                            <Link to={to}>{`${p.namespace}/${p.name}`}</Link>
                          )}
                        </td>
                        <td>
                          <StateBadge state={p.state} />
                        </td>
                        <td>{p.message}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
          </section>
          <section aria-labelledby="clusters">
            <h2 id="clusters">Clusters</h2>
            <table>
              <caption className="visually-hidden">Registered clusters</caption>
              <thead>
                <tr>
                  <th scope="col">Cluster</th>
                  <th scope="col">State</th>
                  <th scope="col">Since</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {o.clusters.map((c) => (
                  <tr key={c.name}>
                    <td>{c.name}</td>
                    <td>
                      <StateBadge state={c.state} />
                    </td>
                    <td>
                      <time dateTime={c.since}>{new Date(c.since).toLocaleString()}</time>
                    </td>
                    <td>{c.message ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section aria-labelledby="meshes">
            <h2 id="meshes">Meshes</h2>
            <ul className="chips">
              {o.meshesByType.map((m) => (
                <li key={`${m.type}/${m.version}`}>
                  {m.type} {m.version}: {m.count}
                </li>
              ))}
            </ul>
            <table>
              <caption className="visually-hidden">Discovered meshes</caption>
              <thead>
                <tr>
                  <th scope="col">Mesh</th>
                  <th scope="col">Type</th>
                  <th scope="col">Version</th>
                  <th scope="col">Cluster</th>
                </tr>
              </thead>
              <tbody>
                {o.meshes.map((m) => (
                  <tr key={m.name}>
                    <td>{m.name}</td>
                    <td>{m.type}</td>
                    <td>{m.version ?? 'unknown'}</td>
                    <td>{m.cluster ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <MetricsNote metrics={o.metrics} />
        </>
      )}
    </Show>
  );
}

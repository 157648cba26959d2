// The policies page (TrafficPolicies and AccessPolicies with their errors in plain words) and the
// VirtualMeshes page (state per Mesh, trust and certificates, where each Destination is federated).
import type { CertificateExpiry, PolicyList, VirtualMeshList } from '../../src/dashboard/api-schema.ts';
import { useApi } from './api.ts';
import { Link, Show, StateBadge, errorsText } from './parts.tsx';

export function PoliciesPage(props: { revision: number }) {
  const loaded = useApi<PolicyList>('/api/policies', props.revision);
  return (
    <>
      <h1>Policies</h1>
      <Show loaded={loaded}>
        {(list) => (
          <>
            {list.items.length === 0 ? (
              <p>No TrafficPolicy or AccessPolicy{list.hidden.length > 0 ? ' you may read' : ''}.</p>
            ) : (
              <table>
                <caption className="visually-hidden">TrafficPolicies and AccessPolicies</caption>
                <thead>
                  <tr>
                    <th scope="col">Policy</th>
                    <th scope="col">Kind</th>
                    <th scope="col">State</th>
                    <th scope="col">Destinations</th>
                    <th scope="col">Errors</th>
                  </tr>
                </thead>
                <tbody>
                  {list.items.map((p) => (
                    <tr key={`${p.kind}/${p.namespace}/${p.name}`}>
                      <td>
                        <Link to={`/policies/${p.kind}/${p.namespace}/${p.name}`}>{`${p.namespace}/${p.name}`}</Link>
                      </td>
                      <td>{p.kind}</td>
                      <td>
                        <StateBadge state={p.state} />
                      </td>
                      <td>
                        {p.destinations}
                        {p.rejectedDestinations > 0 ? ` (${String(p.rejectedDestinations)} rejected)` : ''}
                      </td>
                      <td>{errorsText(p.errors)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {list.hidden.length > 0 && (
              <p className="note">Some policies are not shown: your access does not allow it.</p>
            )}
          </>
        )}
      </Show>
    </>
  );
}

const EXPIRY_TONE: Record<CertificateExpiry['state'], string> = {
  issued: 'good',
  expiring: 'warn',
  expired: 'bad',
  'not-issued': 'neutral',
  unknown: 'neutral',
};

/** "in 3 days", "in under a day", "2 days ago". */
function daysText(daysLeft: number, future: boolean): string {
  if (daysLeft === 0) return future ? 'in under a day' : 'under a day ago';
  const n = Math.abs(daysLeft);
  const unit = `${String(n)} day${n === 1 ? '' : 's'}`;
  return future ? `in ${unit}` : `${unit} ago`;
}

/** The intermediate's expiry: a badge, then when (or why it is not known). */
function Expiry(props: { expiry: CertificateExpiry }) {
  const { expiry } = props;
  const label = expiry.state === 'not-issued' ? 'not issued yet' : expiry.state;
  const badge = <span className={`badge badge-${EXPIRY_TONE[expiry.state]}`}>{label}</span>;
  if (expiry.notAfter === undefined || expiry.daysLeft === undefined) {
    return expiry.state === 'unknown' ? (
      <>
        {badge} {expiry.summary.replace(/^unknown: /, '')}
      </>
    ) : (
      badge
    );
  }
  const expired = expiry.state === 'expired';
  return (
    <>
      {badge} {expired ? 'expired on' : 'expires on'}{' '}
      <time dateTime={expiry.notAfter}>{expiry.notAfter.slice(0, 10)}</time> ({daysText(expiry.daysLeft, !expired)})
    </>
  );
}

export function VirtualMeshesPage(props: { revision: number }) {
  const loaded = useApi<VirtualMeshList>('/api/virtualmeshes', props.revision);
  return (
    <>
      <h1>VirtualMeshes</h1>
      <Show loaded={loaded}>
        {(list) =>
          list.items.length === 0 ? (
            <p>No VirtualMesh.</p>
          ) : (
            list.items.map((v) => (
              <section
                key={`${v.namespace}/${v.name}`}
                aria-labelledby={`vm-${v.namespace}-${v.name}`}
                className="card"
              >
                <h2 id={`vm-${v.namespace}-${v.name}`}>
                  {v.namespace}/{v.name} <StateBadge state={v.state} />
                </h2>
                {errorsText(v.errors)}
                <dl className="facts">
                  <dt>Trust</dt>
                  <dd>{v.mtls}</dd>
                  <dt>Federation</dt>
                  <dd>{v.federation}</dd>
                  <dt>Global access policy</dt>
                  <dd>{v.globalAccessPolicy}</dd>
                </dl>
                <h3>Meshes</h3>
                <ul>
                  {v.meshStates.map((m) => (
                    <li key={m.name}>
                      {m.name} <StateBadge state={m.state} /> {m.errors.join('; ')}
                    </li>
                  ))}
                </ul>
                <h3>Certificates</h3>
                {v.certificates.length === 0 ? (
                  <p>
                    {v.mtls.startsWith('shared') ? 'No intermediate CA issued yet.' : 'No shared trust: none issued.'}
                  </p>
                ) : (
                  <ul>
                    {v.certificates.map((c) => (
                      <li key={c.cluster}>
                        {c.cluster}: {c.issuedCertificate} <StateBadge state={c.state} /> intermediate CA{' '}
                        <Expiry expiry={c.expiry} /> {c.error ?? ''}
                      </li>
                    ))}
                  </ul>
                )}
                {[...new Set(v.certificates.flatMap((c) => (c.root === undefined ? [] : [c.root.notAfter])))].map(
                  (notAfter) => {
                    const root = v.certificates.find((c) => c.root?.notAfter === notAfter)?.root;
                    return (
                      <p key={notAfter}>
                        Root CA expires on <time dateTime={notAfter}>{notAfter.slice(0, 10)}</time>
                        {root === undefined ? '' : ` (${daysText(root.daysLeft, root.daysLeft >= 0)})`}
                      </p>
                    );
                  },
                )}
                {v.unreadableClusters.map((c) => (
                  <p key={c.cluster} className="error">
                    {c.cluster}: {c.error}
                  </p>
                ))}
                <h3>Federated Destinations ({v.destinationStates.length})</h3>
                <ul className="columns">
                  {v.destinationStates.map((d) => (
                    <li key={d.name}>
                      <Link to={`/destinations/${v.namespace}/${d.name}`}>{d.name}</Link> <StateBadge state={d.state} />
                    </li>
                  ))}
                </ul>
              </section>
            ))
          )
        }
      </Show>
    </>
  );
}

// The dashboard's frame: a skip link, the navigation, the live-update indicator, the sign-in form when
// the server asks for a token, and the page the path names.
import { useState, type SyntheticEvent } from 'react';
import { signIn, signOut, storedToken, useLiveRevision } from './api.ts';
import { DestinationPage, PolicyPage, WorkloadPage } from './detail.tsx';
import { DiffPage } from './diff.tsx';
import { ExplainPage } from './explain.tsx';
import { GraphPage } from './graph.tsx';
import { PoliciesPage, VirtualMeshesPage } from './lists.tsx';
import { ObjectTablePage } from './object-table.tsx';
import { OverviewPage } from './overview.tsx';
import { Link } from './parts.tsx';
import { useLocation } from './router.ts';

const NAV = [
  ['/', 'Overview'],
  ['/destinations', 'Destinations'],
  ['/workloads', 'Workloads'],
  ['/policies', 'Policies'],
  ['/virtualmeshes', 'VirtualMeshes'],
  ['/graph', 'Graph'],
  ['/diff', 'Diff'],
  ['/explain', 'Explain'],
] as const;

function SignIn() {
  const [token, setToken] = useState('');
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    signIn(token);
    location.reload();
  };
  return (
    <form onSubmit={submit} className="sign-in" aria-labelledby="sign-in">
      <h1 id="sign-in">Sign in</h1>
      <p>This dashboard shows what your Kubernetes access on the management cluster lets you read.</p>
      <label>
        Bearer token
        <input
          type="password"
          autoComplete="off"
          value={token}
          onChange={(e) => {
            setToken(e.target.value);
          }}
          required
        />
      </label>
      <p className="note">
        For example the output of `kubectl create token NAME`. It is kept in this browser tab only.
      </p>
      <button type="submit">Sign in</button>
    </form>
  );
}

function Page(props: { path: string; search: URLSearchParams; revision: number }) {
  const parts = props.path
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  const [first, a, b, c] = parts;
  if (first === undefined) return <OverviewPage revision={props.revision} />;
  if ((first === 'destinations' || first === 'workloads') && a === undefined)
    return <ObjectTablePage key={first} kind={first} revision={props.revision} />;
  if (first === 'destinations' && a !== undefined && b !== undefined)
    return <DestinationPage namespace={a} name={b} revision={props.revision} />;
  if (first === 'workloads' && a !== undefined && b !== undefined)
    return <WorkloadPage namespace={a} name={b} revision={props.revision} />;
  if (first === 'policies' && a === undefined) return <PoliciesPage revision={props.revision} />;
  if (first === 'policies' && a !== undefined && b !== undefined && c !== undefined)
    return <PolicyPage kind={a} namespace={b} name={c} revision={props.revision} />;
  if (first === 'virtualmeshes') return <VirtualMeshesPage revision={props.revision} />;
  if (first === 'graph') return <GraphPage revision={props.revision} />;
  if (first === 'diff' && a === undefined) return <DiffPage />;
  if (first === 'explain' && a === undefined) return <ExplainPage search={props.search} revision={props.revision} />;
  return (
    <>
      <h1>Not found</h1>
      <p>
        There is no page at {props.path}. <Link to="/">Go to the overview</Link>.
      </p>
    </>
  );
}

export function App() {
  const { path, search } = useLocation();
  const live = useLiveRevision();
  const current = (to: string) => (to === '/' ? path === '/' : path.startsWith(to));
  return (
    <>
      <a href="#main" className="skip">
        Skip to content
      </a>
      <header>
        <span className="brand">Mesh Hub</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([to, label]) => (
              <li key={to}>
                <Link to={to} className={current(to) ? 'current' : ''} current={current(to)}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <span className={`live live-${live.state}`} role="status" data-revision={live.revision}>
          {live.state === 'live'
            ? 'Live'
            : live.state === 'signed-out'
              ? 'Signed out'
              : live.state === 'connecting'
                ? 'Connecting…'
                : 'Reconnecting…'}
        </span>
        {storedToken() !== undefined && (
          <button
            type="button"
            onClick={() => {
              signOut();
              location.reload();
            }}
          >
            Sign out
          </button>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {live.state === 'signed-out' ? <SignIn /> : <Page path={path} search={search} revision={live.revision} />}
      </main>
    </>
  );
}

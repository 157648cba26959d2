// The Diff page: policy YAML pasted or uploaded, sent to POST /api/diff (which renders the estate with
// and without it and writes nothing), and what would change shown per cluster, field by field, with
// the status each policy would get and a one-line summary like `meshctl diff`'s exit code.
import { useState, type ChangeEvent, type SyntheticEvent } from 'react';
import type { DiffResult } from '../../src/dashboard/api-schema.ts';
import { ApiFailure, computeJson, type Computed } from './api.ts';
import { Link, StateBadge, errorsText } from './parts.tsx';

type Result =
  | { readonly state: 'idle' }
  | { readonly state: 'running' }
  | { readonly state: 'ok'; readonly answer: Computed<DiffResult> }
  | { readonly state: 'error'; readonly message: string };

type ObjectChange = DiffResult['clusters'][number]['objects'][number];
type PolicyChange = DiffResult['policies'][number];

const SIGN = { created: '+', updated: '~', deleted: '−' } as const;

function objectName(o: { kind: string; namespace?: string | undefined; name: string }): string {
  return `${o.kind} ${o.namespace === undefined ? '' : `${o.namespace}/`}${o.name}`;
}

function value(v: unknown): string {
  return v === undefined ? '(absent)' : JSON.stringify(v);
}

function plural(count: number, word: string): string {
  return `${String(count)} ${word}${count === 1 ? '' : 's'}`;
}

/** The answer in one line, as `meshctl diff` would end (exit 0: no change; 1: changes). */
export function summary(diff: DiffResult): string {
  if (!diff.changed) return 'No change: applying these policies would change nothing.';
  const { created, updated, deleted } = diff.counts;
  const objects = created + updated + deleted;
  const statuses = diff.policies.length === 0 ? '' : `; ${plural(diff.policies.length, 'policy status')} would change`;
  if (objects === 0) return `No object would change${statuses}.`;
  return `Would change ${plural(objects, 'object')} in ${plural(diff.clusters.length, 'cluster')} (${String(created)} created, ${String(updated)} updated, ${String(deleted)} deleted)${statuses}.`;
}

function ObjectChangeItem(props: { change: ObjectChange }) {
  const c = props.change;
  const title = `${objectName(c)} (${c.apiVersion})`;
  return (
    <li className={`change change-${c.change}`}>
      <p>
        <span className="change-sign" aria-hidden="true">
          {SIGN[c.change]}
        </span>{' '}
        <strong>{c.change}</strong> {title}
      </p>
      {c.change === 'updated' ? (
        <table className="fields">
          <caption className="visually-hidden">{`Changed fields of ${objectName(c)}`}</caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {c.fields.map((f) => (
              <tr key={f.path}>
                <th scope="row">
                  <code>{f.path}</code>
                </th>
                <td>
                  <code>{value(f.before)}</code>
                </td>
                <td>
                  <code>{value(f.after)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <details className="yaml">
          <summary>{c.change === 'created' ? 'The new object' : 'The object deleted'}</summary>
          <pre tabIndex={0} aria-label={`${c.change} ${objectName(c)}`}>
            <code>{JSON.stringify(c.object, null, 2)}</code>
          </pre>
        </details>
      )}
    </li>
  );
}

function statusText(status: PolicyChange['before']): string {
  if (status === undefined) return '(none)';
  return status.state;
}

function PolicyStatuses(props: { policies: readonly PolicyChange[] }) {
  if (props.policies.length === 0) return null;
  return (
    <section aria-labelledby="policy-status">
      <h2 id="policy-status">Policy status</h2>
      <table>
        <caption className="visually-hidden">The status each policy would get</caption>
        <thead>
          <tr>
            <th scope="col">Policy</th>
            <th scope="col">Now</th>
            <th scope="col">Would be</th>
            <th scope="col">Errors and conflicts</th>
          </tr>
        </thead>
        <tbody>
          {props.policies.map((p) => {
            const name = objectName(p);
            const linkable =
              p.before !== undefined &&
              (p.kind === 'TrafficPolicy' || p.kind === 'AccessPolicy') &&
              p.namespace !== undefined;
            return (
              <tr key={name}>
                <th scope="row">
                  {linkable ? <Link to={`/policies/${p.kind}/${p.namespace ?? ''}/${p.name}`}>{name}</Link> : name}
                </th>
                <td>{p.before === undefined ? 'new' : <StateBadge state={statusText(p.before)} />}</td>
                <td>{p.after === undefined ? 'deleted' : <StateBadge state={statusText(p.after)} />}</td>
                <td>
                  {errorsText([
                    ...(p.after?.errors ?? []),
                    ...(p.after?.conflictsWith.length ? [`conflicts with ${p.after.conflictsWith.join(', ')}`] : []),
                  ])}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

export function DiffView(props: { answer: Computed<DiffResult> }) {
  const diff = props.answer.data;
  return (
    <>
      <p role="status" className={`summary ${diff.changed ? 'summary-changed' : 'summary-same'}`}>
        {summary(diff)}
      </p>
      {props.answer.warnings.length > 0 && (
        <div className="note">
          Computed without some clusters' current objects:
          {errorsText(props.answer.warnings)}
        </div>
      )}
      {diff.clusters.map((cluster) => (
        <section key={cluster.cluster} aria-labelledby={`cluster-${cluster.cluster}`} className="card">
          <h2 id={`cluster-${cluster.cluster}`}>
            {cluster.cluster === 'mgmt' ? 'Management cluster' : `Cluster ${cluster.cluster}`}
          </h2>
          <ul className="plain">
            {cluster.objects.map((change) => (
              <ObjectChangeItem key={`${change.change} ${change.apiVersion} ${objectName(change)}`} change={change} />
            ))}
          </ul>
        </section>
      ))}
      <PolicyStatuses policies={diff.policies} />
    </>
  );
}

export function DiffPage() {
  const [text, setText] = useState('');
  const [result, setResult] = useState<Result>({ state: 'idle' });
  const upload = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file === undefined) return;
    file.text().then(setText, (error: unknown) => {
      setResult({ state: 'error', message: `${file.name} could not be read: ${String(error)}` });
    });
  };
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setResult({ state: 'running' });
    computeJson<DiffResult>('/api/diff', {
      method: 'POST',
      headers: { 'Content-Type': 'application/yaml' },
      body: text,
    }).then(
      (answer) => {
        setResult({ state: 'ok', answer });
      },
      (error: unknown) => {
        setResult({ state: 'error', message: error instanceof ApiFailure ? error.message : String(error) });
      },
    );
  };
  return (
    <>
      <h1>Diff</h1>
      <p>
        What applying policies (TrafficPolicy, AccessPolicy, VirtualMesh, VirtualDestination, Settings) to the
        management cluster would change in every cluster, and the status each would get. Nothing is applied or written
        anywhere.
      </p>
      <form onSubmit={submit} className="compute-form">
        <label className="stacked">
          Policy YAML (one or more documents)
          <textarea
            value={text}
            rows={16}
            spellCheck={false}
            onChange={(e) => {
              setText(e.target.value);
            }}
            required
          />
        </label>
        <label className="stacked">
          Or load a file
          <input type="file" accept=".yaml,.yml,.json,application/yaml,application/json" onChange={upload} />
        </label>
        <button type="submit" disabled={result.state === 'running'}>
          Show what would change
        </button>
      </form>
      {result.state === 'running' && <p role="status">Rendering the estate…</p>}
      {result.state === 'error' && (
        <p role="alert" className="error-box">
          {result.message}
        </p>
      )}
      {result.state === 'ok' && <DiffView answer={result.answer} />}
    </>
  );
}

// Small shared pieces of the dashboard's pages: links, state badges, loading and error states, YAML.
import type { ReactNode } from 'react';
import type { MetricsState } from '../../src/dashboard/api-schema.ts';
import type { Loaded } from './api.ts';
import { navigate } from './router.ts';

export function Link(props: { to: string; children: ReactNode; className?: string; current?: boolean }) {
  return (
    <a
      href={props.to}
      className={props.className}
      aria-current={props.current === true ? 'page' : undefined}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}

const GOOD = new Set(['ACCEPTED', 'reachable', 'FINISHED', 'ok']);
const BAD = new Set(['INVALID', 'FAILED', 'unreachable', 'invalid', 'no-metrics']);

export function StateBadge(props: { state: string }) {
  const tone = GOOD.has(props.state) ? 'good' : BAD.has(props.state) ? 'bad' : 'neutral';
  return <span className={`badge badge-${tone}`}>{props.state}</span>;
}

export function Show<T>(props: { loaded: Loaded<T>; children: (data: T) => ReactNode }) {
  switch (props.loaded.state) {
    case 'loading':
      return <p role="status">Loading…</p>;
    case 'error':
      return (
        <p role="alert" className="error">
          {props.loaded.error.status === 404 ? 'Not found, or not something you may read: ' : 'Could not load: '}
          {props.loaded.error.message}
        </p>
      );
    case 'ok':
      return <>{props.children(props.loaded.data)}</>;
  }
}

export function Yaml(props: { text: string; label: string }) {
  return (
    <details className="yaml">
      <summary>{props.label}</summary>
      <pre tabIndex={0} aria-label={props.label}>
        <code>{props.text}</code>
      </pre>
    </details>
  );
}

export function MetricsNote(props: { metrics: MetricsState }) {
  if (props.metrics.available) {
    const missing = props.metrics.clusters.filter((c) => c.state === 'no-metrics');
    if (missing.length === 0) return null;
    return (
      <p className="note">
        No metrics from {missing.map((c) => `${c.cluster} (${c.reason ?? 'unknown reason'})`).join(', ')}.
      </p>
    );
  }
  return <p className="note">No metrics: {props.metrics.reason ?? 'unknown reason'}.</p>;
}

export function errorsText(errors: readonly string[]): ReactNode {
  if (errors.length === 0) return null;
  return (
    <ul className="errors">
      {errors.map((e) => (
        <li key={e}>{e}</li>
      ))}
    </ul>
  );
}

// The Destinations and Workloads lists: search, cluster and mesh filters, sorting and paging all run on
// the server; the page's rows are virtualised (only those in view are in the document), so a page of
// hundreds stays light and 10,000 Destinations are never sent at once.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { DestinationPage, TrafficStats, WorkloadPage } from '../../src/dashboard/api-schema.ts';
import { ms, percent, rate, useApi } from './api.ts';
import { Link, MetricsNote, Show } from './parts.tsx';

const ROW_HEIGHT = 36;
const VIEW_HEIGHT = 540;
const PAGE_SIZE = 200;

interface Column<R> {
  readonly header: string;
  readonly cell: (row: R) => ReactNode;
}

function metricColumns<R extends { metrics: TrafficStats | null }>(): Column<R>[] {
  return [
    { header: 'Requests', cell: (r) => rate(r.metrics?.rps) },
    { header: 'Success', cell: (r) => percent(r.metrics?.successRate) },
    { header: 'p99', cell: (r) => ms(r.metrics?.p99Ms) },
  ];
}

function VirtualRows<R>(props: {
  rows: readonly R[];
  columns: readonly Column<R>[];
  rowKey: (row: R) => string;
  label: string;
}) {
  const [scrollTop, setScrollTop] = useState(0);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.scrollTo({ top: 0 });
    setScrollTop(0);
  }, [props.rows]);
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - 5);
  const last = Math.min(props.rows.length, Math.ceil((scrollTop + VIEW_HEIGHT) / ROW_HEIGHT) + 5);
  const visible = props.rows.slice(first, last);
  return (
    <div
      className="scroller"
      ref={ref}
      style={{ maxHeight: VIEW_HEIGHT }}
      onScroll={(event) => {
        setScrollTop(event.currentTarget.scrollTop);
      }}
      tabIndex={0}
      role="region"
      aria-label={`${props.label} (scrollable)`}
    >
      <table aria-rowcount={props.rows.length + 1}>
        <caption className="visually-hidden">{props.label}</caption>
        <thead>
          <tr aria-rowindex={1}>
            {props.columns.map((c) => (
              <th scope="col" key={c.header}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {first > 0 && <tr aria-hidden="true" className="spacer" style={{ height: first * ROW_HEIGHT }} />}
          {visible.map((row, i) => (
            <tr key={props.rowKey(row)} aria-rowindex={first + i + 2} style={{ height: ROW_HEIGHT }}>
              {props.columns.map((c) => (
                <td key={c.header}>{c.cell(row)}</td>
              ))}
            </tr>
          ))}
          {last < props.rows.length && (
            <tr aria-hidden="true" className="spacer" style={{ height: (props.rows.length - last) * ROW_HEIGHT }} />
          )}
        </tbody>
      </table>
    </div>
  );
}

type Kind = 'destinations' | 'workloads';

function Filters(props: {
  kind: Kind;
  search: string;
  cluster: string;
  mesh: string;
  sort: string;
  facets: { clusters: string[]; meshes: string[] };
  onChange: (change: Partial<{ search: string; cluster: string; mesh: string; sort: string }>) => void;
}) {
  const [text, setText] = useState(props.search);
  useEffect(() => {
    const timer = setTimeout(() => {
      if (text !== props.search) props.onChange({ search: text });
    }, 250);
    return () => {
      clearTimeout(timer);
    };
  }, [text, props]);
  return (
    <form
      className="filters"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        props.onChange({ search: text });
      }}
    >
      <label>
        Search
        <input
          type="search"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
          }}
          placeholder="name, Service, cluster, mesh"
        />
      </label>
      <label>
        Cluster
        <select
          value={props.cluster}
          onChange={(e) => {
            props.onChange({ cluster: e.target.value });
          }}
        >
          <option value="">all</option>
          {props.facets.clusters.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      <label>
        Mesh
        <select
          value={props.mesh}
          onChange={(e) => {
            props.onChange({ mesh: e.target.value });
          }}
        >
          <option value="">all</option>
          {props.facets.meshes.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
      </label>
      <label>
        Sort by
        <select
          value={props.sort}
          onChange={(e) => {
            props.onChange({ sort: e.target.value });
          }}
        >
          <option value="name">name</option>
          <option value="cluster">cluster</option>
          <option value="mesh">mesh</option>
          <option value="rps">requests</option>
          <option value="errors">errors</option>
          <option value="p99">p99 latency</option>
        </select>
      </label>
    </form>
  );
}

export function ObjectTablePage(props: { kind: Kind; revision: number }) {
  const [query, setQuery] = useState({ search: '', cluster: '', mesh: '', sort: 'name', offset: 0 });
  const params = new URLSearchParams({
    search: query.search,
    cluster: query.cluster,
    mesh: query.mesh,
    sort: query.sort,
    offset: String(query.offset),
    limit: String(PAGE_SIZE),
  });
  const loaded = useApi<DestinationPage | WorkloadPage>(`/api/${props.kind}?${params.toString()}`, props.revision);
  const title = props.kind === 'destinations' ? 'Destinations' : 'Workloads';
  return (
    <>
      <h1>{title}</h1>
      <Show loaded={loaded}>
        {(page) => (
          <>
            <Filters
              kind={props.kind}
              {...query}
              facets={page.facets}
              onChange={(change) => {
                setQuery({ ...query, ...change, offset: 0 });
              }}
            />
            <p role="status" aria-live="polite">
              {page.total === 0
                ? `No ${title} match.`
                : `${title} ${String(page.offset + 1)}–${String(Math.min(page.offset + page.limit, page.total))} of ${String(page.total)}`}
            </p>
            {props.kind === 'destinations' ? (
              <VirtualRows
                label={title}
                rows={(page as DestinationPage).items}
                rowKey={(r) => `${r.namespace}/${r.name}`}
                columns={[
                  {
                    header: 'Destination',
                    cell: (r) => <Link to={`/destinations/${r.namespace}/${r.name}`}>{r.name}</Link>,
                  },
                  { header: 'Service', cell: (r) => r.service },
                  { header: 'Cluster', cell: (r) => r.cluster },
                  { header: 'Mesh', cell: (r) => r.mesh },
                  {
                    header: 'Policies',
                    cell: (r) =>
                      r.rejected > 0 ? `${String(r.policies)} (${String(r.rejected)} rejected)` : r.policies,
                  },
                  { header: 'Federated', cell: (r) => (r.federated ? 'yes' : 'no') },
                  ...metricColumns<DestinationPage['items'][number]>(),
                ]}
              />
            ) : (
              <VirtualRows
                label={title}
                rows={(page as WorkloadPage).items}
                rowKey={(r) => `${r.namespace}/${r.name}`}
                columns={[
                  { header: 'Workload', cell: (r) => <Link to={`/workloads/${r.namespace}/${r.name}`}>{r.name}</Link> },
                  { header: 'Controller', cell: (r) => r.controller },
                  { header: 'Cluster', cell: (r) => r.cluster },
                  { header: 'Mesh', cell: (r) => r.mesh },
                  { header: 'Service account', cell: (r) => r.serviceAccount },
                  ...metricColumns<WorkloadPage['items'][number]>(),
                ]}
              />
            )}
            <nav aria-label="Pages" className="pager">
              <button
                type="button"
                disabled={page.offset === 0}
                onClick={() => {
                  setQuery({ ...query, offset: Math.max(0, query.offset - PAGE_SIZE) });
                }}
              >
                Previous page
              </button>
              <button
                type="button"
                disabled={page.offset + page.limit >= page.total}
                onClick={() => {
                  setQuery({ ...query, offset: query.offset + PAGE_SIZE });
                }}
              >
                Next page
              </button>
            </nav>
            <MetricsNote metrics={page.metrics} />
          </>
        )}
      </Show>
    </>
  );
}

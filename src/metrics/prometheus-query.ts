// Instant queries against a Prometheus HTTP API, either at a URL or through a cluster's API server
// service proxy (with the cluster's registered credentials). Every query has a deadline; errors name
// the source but never carry credentials.
import type { KubeClient } from '../kube/client.ts';
import type { PromSample } from './traffic-join.ts';
import { describeSource, serviceProxyPath, type MetricsSource } from './metrics-sources.ts';

export interface PrometheusQuerier {
  readonly description: string;
  /** The instant vector of `expression` at `time` (seconds since the epoch). */
  query(expression: string, time: number, signal: AbortSignal): Promise<PromSample[]>;
}

interface QueryResponse {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: { metric?: Record<string, string>; value?: [number, string] }[] };
}

/** The samples of a Prometheus instant-query response, or an error with Prometheus' own message. */
export function parseQueryResponse(body: unknown, what: string): PromSample[] {
  const response = body as QueryResponse;
  if (response.status !== 'success') {
    throw new Error(
      `${what}: Prometheus answered ${response.status ?? 'nothing'}: ${response.error ?? 'no error text'}`,
    );
  }
  if (response.data?.resultType !== 'vector') {
    throw new Error(`${what}: expected a vector, got ${response.data?.resultType ?? 'nothing'}`);
  }
  return (response.data.result ?? []).map((entry) => ({
    labels: entry.metric ?? {},
    value: Number(entry.value?.[1] ?? Number.NaN),
  }));
}

function abortReason(signal: AbortSignal, timeoutMs: number): string {
  return signal.reason instanceof Error && signal.reason.name === 'TimeoutError'
    ? `no answer within ${String(timeoutMs / 1000)} s`
    : 'cancelled';
}

export function queryParameters(expression: string, time: number, timeoutMs: number): URLSearchParams {
  // Prometheus stops evaluating at its own timeout too, so an abandoned query does not keep it busy.
  return new URLSearchParams({ query: expression, time: time.toFixed(3), timeout: `${String(timeoutMs)}ms` });
}

function urlQuerier(url: string, description: string, timeoutMs: number): PrometheusQuerier {
  return {
    description,
    async query(expression, time, signal) {
      const combined = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
      let body: unknown;
      try {
        const response = await fetch(`${url}/api/v1/query?${queryParameters(expression, time, timeoutMs).toString()}`, {
          signal: combined,
          headers: { Accept: 'application/json' },
        });
        body = await response.json().catch(() => ({ status: 'error', error: `HTTP ${String(response.status)}` }));
      } catch (error) {
        if (combined.aborted) throw new Error(`${description}: ${abortReason(combined, timeoutMs)}`, { cause: error });
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new Error(`${description}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, {
          cause: error,
        });
      }
      return parseQueryResponse(body, description);
    },
  };
}

function serviceProxyQuerier(
  client: KubeClient,
  source: Extract<MetricsSource, { via: 'service-proxy' }>,
  description: string,
  timeoutMs: number,
): PrometheusQuerier {
  return {
    description,
    async query(expression, time, signal) {
      if (signal.aborted) throw new Error(`${description}: cancelled`);
      const path = serviceProxyPath(source, '/api/v1/query', queryParameters(expression, time, timeoutMs));
      let body: unknown;
      try {
        body = await client.request<unknown>('GET', path, undefined, 'application/json', timeoutMs);
      } catch (error) {
        throw new Error(`${description}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      return parseQueryResponse(body, description);
    },
  };
}

/** A querier for a source; the service proxy needs the cluster's client. */
export function querierFor(
  source: MetricsSource,
  client: KubeClient | undefined,
  timeoutMs: number,
): PrometheusQuerier {
  const description = describeSource(source);
  switch (source.via) {
    case 'url':
      return urlQuerier(source.url, description, timeoutMs);
    case 'service-proxy':
      if (client === undefined) {
        return {
          description,
          query: () => Promise.reject(new Error(`${description}: the cluster has no usable registration`)),
        };
      }
      return serviceProxyQuerier(client, source, description, timeoutMs);
  }
}

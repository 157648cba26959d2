// The dashboard API from the browser: every call carries the signed-in user's token (kept in this
// tab's sessionStorage only), and live changes are read from /api/events with fetch, so the token
// travels in a header and never in a URL.
import { useEffect, useState } from 'react';
import type { ApiError } from '../../src/dashboard/api-schema.ts';

const TOKEN_KEY = 'meshhub.token';

export function storedToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function signIn(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token.trim());
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

function headers(): Record<string, string> {
  const token = storedToken();
  return token === undefined ? {} : { Authorization: `Bearer ${token}` };
}

export class ApiFailure extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { headers: headers(), ...(signal === undefined ? {} : { signal }) });
  if (!response.ok) {
    let message = `${String(response.status)} ${response.statusText}`;
    try {
      message = ((await response.json()) as ApiError).error;
    } catch {
      // not a JSON error body
    }
    throw new ApiFailure(response.status, message);
  }
  return (await response.json()) as T;
}

/** A computed answer (diff, explain) and the clusters the server could not read for it. */
export interface Computed<T> {
  readonly data: T;
  readonly warnings: readonly string[];
}

/** Calls a computing endpoint (POST /api/diff, GET /api/explain); errors carry the server's message. */
export async function computeJson<T>(
  path: string,
  init: Omit<RequestInit, 'headers'> & { headers?: Record<string, string> } = {},
): Promise<Computed<T>> {
  const response = await fetch(path, { ...init, headers: { ...headers(), ...init.headers } });
  if (!response.ok) {
    let message = `${String(response.status)} ${response.statusText}`;
    try {
      message = ((await response.json()) as ApiError).error;
    } catch {
      // not a JSON error body
    }
    throw new ApiFailure(response.status, message);
  }
  const raw = response.headers.get('X-Mesh-Hub-Warnings');
  let warnings: string[] = [];
  if (raw !== null) {
    try {
      warnings = JSON.parse(decodeURIComponent(raw)) as string[];
    } catch {
      warnings = [raw];
    }
  }
  return { data: (await response.json()) as T, warnings };
}

export type Loaded<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'ok'; readonly data: T }
  | { readonly state: 'error'; readonly error: ApiFailure };

/** Fetches `path` and again whenever `revision` changes; keeps showing the last answer while it reloads. */
export function useApi<T>(path: string, revision: number): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    getJson<T>(path, controller.signal).then(
      (data) => {
        setLoaded({ state: 'ok', data });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setLoaded({ state: 'error', error: error instanceof ApiFailure ? error : new ApiFailure(0, String(error)) });
      },
    );
    return () => {
      controller.abort();
    };
  }, [path, revision]);
  return loaded;
}

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'signed-out';

/** The estate's revision, pushed by the server on every change (server-sent events over fetch). */
export function useLiveRevision(): { revision: number; state: LiveState } {
  const [revision, setRevision] = useState(0);
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    // A holder, so the loop sees the cleanup's change (a plain `let` reads as never changing).
    const run: { stopped: boolean } = { stopped: false };
    const isStopped = (): boolean => run.stopped;
    let controller = new AbortController();
    const connect = async (): Promise<void> => {
      while (!isStopped()) {
        controller = new AbortController();
        try {
          const response = await fetch('/api/events', { headers: headers(), signal: controller.signal });
          if (response.status === 401) {
            setState('signed-out');
            return;
          }
          if (!response.ok || response.body === null) throw new Error(String(response.status));
          setState('live');
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            let end = buffer.indexOf('\n\n');
            while (end !== -1) {
              const message = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = message
                .split('\n')
                .filter((line) => line.startsWith('data:'))
                .map((line) => line.slice(5).trim())
                .join('');
              if (data !== '') {
                const parsed = JSON.parse(data) as { revision?: unknown };
                if (typeof parsed.revision === 'number') setRevision(parsed.revision);
              }
              end = buffer.indexOf('\n\n');
            }
          }
        } catch {
          if (isStopped()) return;
        }
        setState('reconnecting');
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    };
    void connect();
    return () => {
      run.stopped = true;
      controller.abort();
    };
  }, []);
  return { revision, state };
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : `${(value * 100).toFixed(1)} %`;
}

export function rate(value: number | undefined): string {
  return value === undefined ? '–' : `${value.toFixed(value >= 10 ? 0 : 2)}/s`;
}

export function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : `${value.toFixed(0)} ms`;
}

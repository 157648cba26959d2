// What tests capture for the secret scan (scripts/secret-scan.ts) when MESHHUB_TEST_ARTIFACTS names a
// directory (scripts/test.ts makes one): controller and cert agent logs, metrics, meshctl output, debug
// snapshots, and the statuses and events of every cluster, under captured/. The credentials the tests
// handed out (admin tokens, registration tokens, keys) are recorded under secrets/, which is not
// scanned but searched for: any of them in captured/ is a leak. Without the variable nothing is kept.
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { clientFromKubeconfigFile } from '../../src/kube/client.ts';
import { MESH_HUB_TYPES, SECRET, resourcePath } from '../../src/kube/resources.ts';

function root(): string | undefined {
  const dir = process.env.MESHHUB_TEST_ARTIFACTS;
  return dir === undefined || dir === '' ? undefined : dir;
}

function folder(name: 'captured' | 'secrets'): string | undefined {
  const base = root();
  if (base === undefined) return undefined;
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** A file name unique to this process, so that parallel test files never write the same one. */
function unique(name: string): string {
  return `${String(process.pid)}-${name.replace(/[^\w.-]+/g, '_')}`;
}

export function captureText(name: string, text: string, mode: 'append' | 'replace' = 'append'): void {
  const dir = folder('captured');
  if (dir === undefined) return;
  const path = join(dir, unique(name));
  if (mode === 'append') appendFileSync(path, text, { mode: 0o600 });
  else writeFileSync(path, text, { mode: 0o600 });
}

/** Copies a file or directory (a log, a debug snapshot) into captured/. */
export function captureFile(path: string, name = basename(path)): void {
  const dir = folder('captured');
  if (dir === undefined || !existsSync(path)) return;
  const target = join(dir, unique(name));
  if (statSync(path).isDirectory()) cpSync(path, `${target}-${String(Date.now())}`, { recursive: true });
  else appendFileSync(target, readFileSync(path));
}

/** Remembers credential values the scan must never find in captured/. */
export function recordSecrets(values: readonly string[]): void {
  const dir = folder('secrets');
  const kept = values.filter((v) => v.length >= 16);
  if (dir === undefined || kept.length === 0) return;
  appendFileSync(join(dir, `${String(process.pid)}.txt`), kept.map((v) => `${v}\n`).join(''), { mode: 0o600 });
}

interface KubeconfigUsers {
  users?: { user?: Record<string, unknown> }[];
}

/** The credentials in kubeconfig text: tokens, client keys (and their decoded PEM). */
export function kubeconfigCredentials(text: string): string[] {
  const parsed = parse(text) as KubeconfigUsers | null;
  const found: string[] = [];
  for (const entry of parsed?.users ?? []) {
    for (const key of ['token', 'client-key-data', 'password'] as const) {
      const value = entry.user?.[key];
      if (typeof value !== 'string') continue;
      found.push(value);
      if (key === 'client-key-data') found.push(Buffer.from(value, 'base64').toString('utf8'));
    }
  }
  return found;
}

export function recordKubeconfigFile(path: string): void {
  if (root() === undefined || !existsSync(path)) return;
  try {
    recordSecrets(kubeconfigCredentials(readFileSync(path, 'utf8')));
  } catch {
    // not a kubeconfig the scan can learn from; the pattern checks still apply
  }
}

/**
 * Captures the status of every Mesh Hub object and every Event of each context's cluster, and records
 * the registration credentials held in Secrets. Called before a test environment stops.
 */
export async function dumpClusters(kubeconfigPath: string, contexts: readonly string[], label: string): Promise<void> {
  if (root() === undefined) return;
  recordKubeconfigFile(kubeconfigPath);
  for (const context of contexts) {
    const client = clientFromKubeconfigFile(context, kubeconfigPath, context);
    const lines: string[] = [];
    for (const type of MESH_HUB_TYPES) {
      try {
        for (const item of (await client.list(type)).items) {
          const status = (item as { status?: unknown }).status;
          if (status !== undefined)
            lines.push(
              JSON.stringify({ kind: item.kind, name: item.metadata.name, namespace: item.metadata.namespace, status }),
            );
        }
      } catch {
        // a kind this cluster does not serve
      }
    }
    try {
      const events = await client.request<{ items: unknown[] }>('GET', '/api/v1/events');
      for (const event of events.items) lines.push(JSON.stringify(event));
    } catch (error) {
      lines.push(`events of ${context} could not be read: ${error instanceof Error ? error.message : String(error)}`);
    }
    captureText(`${label}-${context}-statuses-and-events.jsonl`, `${lines.join('\n')}\n`, 'replace');
    try {
      const secrets = await client.request<{ items: { type?: string; data?: Record<string, string> }[] }>(
        'GET',
        resourcePath(SECRET),
      );
      for (const secret of secrets.items) {
        for (const [key, value] of Object.entries(secret.data ?? {})) {
          const text = Buffer.from(value, 'base64').toString('utf8');
          if (text.includes('kind: Config') || text.includes('"kind":"Config"')) {
            recordSecrets(kubeconfigCredentials(text));
          } else if (key === 'token' || key.endsWith('.key') || key === 'ca-key.pem' || key === 'key.pem') {
            recordSecrets([text]);
          }
        }
      }
    } catch {
      // no Secrets to learn from
    }
  }
}

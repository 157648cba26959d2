// The client version, read from the package's own package.json. Checked by hand rather than with a
// schema: `meshctl --help` shows it, and loads no schema library.
import { readFileSync } from 'node:fs';

export function clientVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  const parsed: unknown = JSON.parse(readFileSync(url, 'utf8'));
  const version = typeof parsed === 'object' && parsed !== null ? (parsed as { version?: unknown }).version : undefined;
  if (typeof version !== 'string') throw new Error(`${url.pathname}: no version`);
  return version;
}

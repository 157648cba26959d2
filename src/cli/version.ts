// The client version, read from the package's own package.json.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const PackageJson = z.object({ name: z.string(), version: z.string() });

export function clientVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  return PackageJson.parse(JSON.parse(readFileSync(url, 'utf8'))).version;
}

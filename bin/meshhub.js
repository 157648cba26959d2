#!/usr/bin/env node
// meshhub entry point (the management plane and, later, the cert agent). In a checkout it runs the
// TypeScript sources directly; an installed package runs the compiled dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(`meshhub: Node ${process.versions.node} is too old; Mesh Hub needs Node >= 22.\n`);
  process.exit(1);
}
const source = fileURLToPath(new URL('../src/server/main.ts', import.meta.url));
const useSource = existsSync(source) && process.features.typescript && !source.includes('/node_modules/');
const server = await import(useSource ? '../src/server/main.ts' : '../dist/server/main.js');
await server.main(process.argv.slice(2));

#!/usr/bin/env node
// meshctl entry point. In a checkout it runs the TypeScript sources directly (Node 24 strips types),
// so it is never stale; an installed package runs the compiled dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `meshctl: Node ${process.versions.node} is too old; Mesh Hub needs Node >= 22 (24 LTS recommended).\n` +
      'In a checkout, run it through npm (npx meshctl / npm run meshctl), which uses the Node 24 that npm ci installed.\n',
  );
  process.exit(1);
}
const source = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const useSource = existsSync(source) && process.features.typescript && !source.includes('/node_modules/');
const cli = await import(useSource ? '../src/cli/main.ts' : '../dist/cli/main.js');
await cli.main();

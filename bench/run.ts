// `npm run bench`: the render benchmark (with its arguments, e.g. --input DIR) and then the
// apply-to-output latency on real clusters (--changes N; skipped with --no-latency).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const args = process.argv.slice(2);
const latencyArgs: string[] = [];
const renderArgs: string[] = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i] ?? '';
  if (arg === '--changes') latencyArgs.push(arg, args[++i] ?? '');
  else if (arg !== '--no-latency') renderArgs.push(arg);
}
const run = (script: string, scriptArgs: string[]) => {
  const result = spawnSync(process.execPath, [join(import.meta.dirname, script), ...scriptArgs], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
run('render.ts', renderArgs);
if (!args.includes('--input')) {
  console.log('');
  run('dashboard.ts', []);
}
if (!args.includes('--no-latency')) {
  console.log('');
  run('latency.ts', latencyArgs);
}

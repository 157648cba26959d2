// `npm run bench`: the render benchmark (with its arguments, e.g. --input DIR), the incremental
// render benchmark (one change at a time: --changes-per-kind N; skipped with --no-incremental),
// `meshctl render` end to end on the same estate (render-cli.ts), the metrics cache's memory at
// 10,000 Destinations, and then the apply-to-output latency on real clusters with an estate loaded into
// them (--changes N, --estate-destinations N: 10,000 unless given; skipped with --no-latency).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const args = process.argv.slice(2);
const latencyArgs: string[] = [];
const renderArgs: string[] = [];
const incrementalArgs: string[] = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i] ?? '';
  if (arg === '--changes' || arg === '--estate-destinations' || arg === '--controller-heap-mb')
    latencyArgs.push(arg, args[++i] ?? '');
  else if (arg === '--changes-per-kind') incrementalArgs.push(arg, args[++i] ?? '');
  else if (arg === '--input') {
    const dir = args[++i] ?? '';
    renderArgs.push(arg, dir);
    incrementalArgs.push(arg, dir);
  } else if (arg !== '--no-latency' && arg !== '--no-incremental') renderArgs.push(arg);
}
if (!latencyArgs.includes('--estate-destinations')) latencyArgs.push('--estate-destinations', '10000');
const run = (script: string, scriptArgs: string[]) => {
  const result = spawnSync(process.execPath, [join(import.meta.dirname, script), ...scriptArgs], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
run('render.ts', renderArgs);
if (!args.includes('--no-incremental')) {
  console.log('');
  run('incremental.ts', incrementalArgs);
}
run('render-cli.ts', renderArgs);
console.log('');
run('metrics.ts', []);
if (!args.includes('--input')) {
  console.log('');
  run('dashboard.ts', []);
}
if (!args.includes('--no-latency')) {
  console.log('');
  run('latency.ts', latencyArgs);
}

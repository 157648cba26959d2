// The secret scan after the test suite: reads everything the tests captured under
// $MESHHUB_TEST_ARTIFACTS/captured (logs, metrics, meshctl output, debug snapshots, statuses and
// events; see test/support/artifacts.ts) and fails on any credential in it: a value the tests handed
// out (recorded under secrets/, deleted after the scan), a private key, a kubeconfig with users, or a
// JWT. Prints what it scanned and what it found (the finding's file and kind, never the value).
//   node scripts/secret-scan.ts [DIR]
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const dir = process.argv[2] ?? process.env.MESHHUB_TEST_ARTIFACTS;
if (dir === undefined || dir === '') {
  console.error('usage: node scripts/secret-scan.ts DIR (or set MESHHUB_TEST_ARTIFACTS)');
  process.exit(2);
}

function files(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((entry) => files(join(path, entry)));
}

const secretsDir = join(dir, 'secrets');
const known = new Set<string>();
for (const file of files(secretsDir)) {
  for (const line of readFileSync(file, 'utf8').split('\n')) if (line.trim().length >= 16) known.add(line.trim());
}
// A PEM key recorded whole is looked for by its body lines too: a log may carry part of it.
for (const value of [...known]) {
  if (!value.includes('\n')) continue;
  known.delete(value);
  for (const line of value.split('\n')) if (line.length >= 40 && !line.startsWith('-----')) known.add(line);
}

const patterns: { name: string; pattern: RegExp }[] = [
  { name: 'private key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  {
    name: 'kubeconfig with users',
    pattern: /kind:\s*Config[\s\S]{0,2000}\busers:|"kind":\s*"Config"[\s\S]{0,2000}"users"/,
  },
  { name: 'JWT', pattern: /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/ },
];

const captured = files(join(dir, 'captured'));
let bytes = 0;
const findings: string[] = [];
for (const file of captured) {
  const text = readFileSync(file, 'utf8');
  bytes += text.length;
  const name = relative(dir, file);
  for (const { name: kind, pattern } of patterns) if (pattern.test(text)) findings.push(`${name}: ${kind}`);
  let leaked = 0;
  for (const value of known) if (text.includes(value)) leaked += 1;
  if (leaked > 0) findings.push(`${name}: ${String(leaked)} credential value(s) handed out by the tests`);
}
rmSync(secretsDir, { recursive: true, force: true });
console.log(
  `secret scan: ${String(captured.length)} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB scanned in ${dir}/captured against ${String(known.size)} known credential values and ${String(patterns.length)} patterns`,
);
if (captured.length === 0) {
  console.log('secret scan: FAILED: nothing was captured (are the helpers writing to MESHHUB_TEST_ARTIFACTS?)');
  process.exit(1);
}
if (known.size === 0) console.log('secret scan: warning: no credential values were recorded; only patterns applied');
for (const finding of findings) console.log(`secret scan: FOUND ${finding}`);
console.log(
  `secret scan: ${findings.length === 0 ? 'ok, nothing found' : `FAILED, ${String(findings.length)} finding(s)`}`,
);
process.exitCode = findings.length === 0 ? 0 : 1;

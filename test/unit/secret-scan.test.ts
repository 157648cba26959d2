// The secret scan (scripts/secret-scan.ts) finds each kind of credential in captured output and
// passes clean output; it names the file and the kind of finding, never the value.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const script = join(import.meta.dirname, '..', '..', 'scripts', 'secret-scan.ts');
const token = 'a3f1c9e07b5d42e8a3f1c9e07b5d42e8a3f1c9e07b5d42e8';
const jwt = `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLXZhbHVlLWhlcmU`;

function scan(files: Record<string, string>): { code: number; out: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'secret-scan-test-'));
  mkdirSync(join(dir, 'captured'));
  mkdirSync(join(dir, 'secrets'));
  writeFileSync(join(dir, 'secrets', '1.txt'), `${token}\n`);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'captured', name), text);
  const result = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  return { code: result.status ?? -1, out: result.stdout + result.stderr, dir };
}

describe('secret scan', () => {
  it('passes captured output without credentials', () => {
    const result = scan({ 'controller.log': '{"msg":"reconciled","cluster":"cluster-1"}\n' });
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /1 files, .* against 1 known credential values/);
    assert.match(result.out, /ok, nothing found/);
  });

  for (const [kind, text] of [
    ['credential value', `{"msg":"401 with token ${token}"}`],
    ['private key', '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----'],
    ['kubeconfig with users', 'apiVersion: v1\nkind: Config\nclusters: []\nusers:\n- name: x\n'],
    ['JWT', `Authorization: Bearer ${jwt}`],
  ] as const) {
    it(`finds a ${kind} and names the file, not the value`, () => {
      const result = scan({ 'clean.log': 'nothing here\n', 'meshctl-output.log': text });
      assert.equal(result.code, 1, result.out);
      assert.match(result.out, /FOUND captured\/meshctl-output\.log: /);
      assert.doesNotMatch(result.out, /clean\.log/);
      assert.ok(!result.out.includes(token) && !result.out.includes(jwt), 'the value is not printed');
    });
  }

  it('fails when nothing was captured', () => {
    const result = scan({});
    assert.equal(result.code, 1);
    assert.match(result.out, /nothing was captured/);
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createProgress } from './progress.ts';

const ESC = String.fromCharCode(27);

describe('progress of a long wait', () => {
  it('piped: one plain line per step and per change of its detail, no control characters', async () => {
    let out = '';
    const progress = createProgress((t) => (out += t), { tty: false });
    const value = await progress.step('Waiting for the management plane', (detail) => {
      detail('0 of 1 replicas available');
      detail('0 of 1 replicas available');
      detail('1 of 1 replicas available');
      return Promise.resolve(42);
    });
    assert.equal(value, 42);
    assert.equal(out, 'Waiting for the management plane …\n  0 of 1 replicas available\n  1 of 1 replicas available\n');
    assert.ok(!out.includes('\r') && !out.includes(ESC));
  });

  it('on a terminal: a spinner redrawn in place with the detail, then one ✓ line', async () => {
    let out = '';
    const progress = createProgress((t) => (out += t), { tty: true, frameMs: 5 });
    await progress.step('Installing', async (detail) => {
      detail('applied Namespace gloo-mesh');
      await new Promise((r) => setTimeout(r, 40));
    });
    assert.ok(out.startsWith(`\r${ESC}[2K⠋ Installing`), JSON.stringify(out.slice(0, 30)));
    assert.ok(out.includes(' Installing (applied Namespace gloo-mesh)'));
    assert.ok(out.endsWith('\r\u001b[2K✓ Installing\n'), JSON.stringify(out.slice(-40)));
    assert.equal(out.split('\n').length, 2, 'one line left behind');
  });

  it('on a terminal: a failed step stays as a ✗ line with its last detail, and the error goes on', async () => {
    let out = '';
    const progress = createProgress((t) => (out += t), { tty: true, frameMs: 5 });
    await assert.rejects(
      progress.step('Waiting', (detail) => {
        detail('0 of 1 replicas available');
        return Promise.reject(new Error('timed out'));
      }),
      /timed out/,
    );
    assert.ok(out.endsWith('\r\u001b[2K✗ Waiting (0 of 1 replicas available)\n'));
  });
});

describe('meshctl on a terminal', () => {
  const script = spawnSync('script', ['--version'], { encoding: 'utf8' });
  it(
    'draws the spinner on a terminal and plain lines when piped',
    { skip: script.status !== 0 && 'no `script` to make a terminal' },
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'meshctl-tty-'));
      const kubeconfig = join(dir, 'kubeconfig');
      // Port 1 on loopback: refused at once, so the step ends as a failure straight away.
      writeFileSync(
        kubeconfig,
        'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:1"}\n' +
          'users:\n- name: u\n  user: {token: t}\ncontexts:\n- name: prod-east\n  context: {cluster: c, user: u}\ncurrent-context: prod-east\n',
      );
      const bin = new URL('../../bin/meshctl.js', import.meta.url).pathname;
      const command = `'${process.execPath}' '${bin}' --kubeconfig '${kubeconfig}' install`;
      const tty = spawnSync('script', ['-qec', command, '/dev/null'], {
        encoding: 'utf8',
        env: { ...process.env, TERM: 'xterm' },
      });
      assert.ok(tty.stdout.includes(`${ESC}[2K⠋ Installing Mesh Hub`), JSON.stringify(tty.stdout));
      assert.ok(tty.stdout.includes(`${ESC}[2K✗ Installing Mesh Hub`));
      assert.match(
        tty.stdout,
        /error: cannot reach cluster `prod-east` at https:\/\/127\.0\.0\.1:1: connection refused/,
      );
      const piped = spawnSync(process.execPath, [bin, '--kubeconfig', kubeconfig, 'install'], { encoding: 'utf8' });
      assert.match(
        piped.stderr,
        /^Installing Mesh Hub \S+ on cluster `prod-east` \(https:\/\/127\.0\.0\.1:1\) …\nerror: cannot reach/,
      );
      assert.ok(!piped.stderr.includes(ESC));
    },
  );
});

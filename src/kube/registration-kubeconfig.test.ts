import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { clientFromKubeconfigText } from './client.ts';
import { parseRegistrationKubeconfig, RegistrationKubeconfigError } from './registration-kubeconfig.ts';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBdummy\n-----END CERTIFICATE-----\n';
const CA_DATA = Buffer.from(CA_PEM).toString('base64');
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2VuLXZhbHVl.c2ln';

const dir = mkdtempSync(join(tmpdir(), 'registration-kubeconfig-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
  });
}

const good = { server: 'https://10.0.0.1:6443', 'certificate-authority-data': CA_DATA };

/** Parses through the client factory and, should it accept, makes a request: anything it would run, runs. */
async function attempt(text: string): Promise<Error | undefined> {
  try {
    const client = clientFromKubeconfigText('cluster-1', text);
    await client.request('GET', '/version', undefined, 'application/json', 2000).catch(() => undefined);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

describe('registration kubeconfig', () => {
  it('accepts server, CA data and token, and nothing is needed from disk', () => {
    const parsed = parseRegistrationKubeconfig('cluster-1', kubeconfig(good, { token: TOKEN }));
    assert.deepEqual(parsed, { server: 'https://10.0.0.1:6443', caPem: CA_PEM, token: TOKEN });
  });

  it('accepts inline client certificate and key data, and no CA data (system roots)', () => {
    const parsed = parseRegistrationKubeconfig(
      'cluster-1',
      kubeconfig(
        { server: 'https://api.example.com' },
        {
          'client-certificate-data': CA_DATA,
          'client-key-data': Buffer.from('-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n').toString(
            'base64',
          ),
        },
      ),
    );
    assert.equal(parsed.server, 'https://api.example.com');
    assert.equal(parsed.caPem, undefined);
    assert.ok(parsed.certPem?.includes('BEGIN CERTIFICATE'));
  });

  it('refuses an exec plugin without running it', async () => {
    const marker = join(dir, 'exec-ran');
    const text = kubeconfig(good, {
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: '/bin/sh',
        args: [
          '-c',
          `touch ${marker}; echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"x"}}'`,
        ],
        interactiveMode: 'Never',
      },
    });
    const error = await attempt(text);
    assert.ok(error instanceof RegistrationKubeconfigError);
    assert.match(
      error.message,
      /^the registration kubeconfig of cluster cluster-1: users\[0\]\.user\.exec: exec plugins are not allowed/,
    );
    assert.ok(!error.message.includes(marker), 'the message quotes no value');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(!existsSync(marker), 'the exec command did not run');
  });

  it('refuses each field that reads files, skips TLS, proxies or sends other credentials, naming it', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, TOKEN);
    const cases: [string, Record<string, unknown>, Record<string, unknown>, RegExp][] = [
      ['token file', good, { tokenFile }, /users\[0\]\.user\.tokenFile: token files are not allowed/],
      ['token-file', good, { 'token-file': tokenFile }, /users\[0\]\.user\.token-file: token files are not allowed/],
      [
        'skip TLS',
        { ...good, 'insecure-skip-tls-verify': true },
        { token: TOKEN },
        /clusters\[0\]\.cluster\.insecure-skip-tls-verify: skipping TLS verification is not allowed/,
      ],
      [
        'http server',
        { server: 'http://10.0.0.1:8080' },
        { token: TOKEN },
        /clusters\[0\]\.cluster\.server: must be an https:\/\/ URL/,
      ],
      [
        'auth provider',
        good,
        { 'auth-provider': { name: 'oidc', config: { 'id-token': TOKEN } } },
        /users\[0\]\.user\.auth-provider: auth providers are not allowed/,
      ],
      [
        'client certificate file',
        good,
        { 'client-certificate': join(dir, 'c.crt'), 'client-key': join(dir, 'c.key') },
        /users\[0\]\.user\.client-certificate: client certificate files are not allowed.*users\[0\]\.user\.client-key: client key files/,
      ],
      [
        'CA file',
        { server: 'https://10.0.0.1', 'certificate-authority': '/etc/passwd' },
        { token: TOKEN },
        /clusters\[0\]\.cluster\.certificate-authority: CA files are not allowed/,
      ],
      ['proxy', { ...good, 'proxy-url': 'http://proxy:3128' }, { token: TOKEN }, /clusters\[0\]\.cluster\.proxy-url/],
      [
        'basic auth',
        good,
        { username: 'admin', password: 'hunter2' },
        /users\[0\]\.user\.username: basic authentication/,
      ],
      ['impersonation', good, { token: TOKEN, as: 'system:admin' }, /users\[0\]\.user\.as: impersonation/],
      ['unknown field', good, { token: TOKEN, 'something-new': 'x' }, /users\[0\]\.user\.something-new: not allowed/],
      [
        'credentials in the URL',
        { server: 'https://a:b@10.0.0.1' },
        { token: TOKEN },
        /server: must not carry credentials/,
      ],
      ['no credentials', good, {}, /users\[0\]\.user: no credentials/],
      [
        'CA data that is not PEM',
        { ...good, 'certificate-authority-data': 'bm90IGEgY2VydA==' },
        { token: TOKEN },
        /certificate-authority-data: not base64 PEM/,
      ],
      [
        'a token with a line break',
        good,
        { token: 'abc\r\nX-Injected: 1' },
        /users\[0\]\.user\.token: not a bearer token/,
      ],
    ];
    for (const [name, cluster, user, expected] of cases) {
      const error = await attempt(kubeconfig(cluster, user));
      assert.ok(error instanceof RegistrationKubeconfigError, `${name}: refused`);
      assert.match(error.message, expected, name);
      for (const secret of [TOKEN, 'hunter2', tokenFile, '10.0.0.1', 'proxy:3128', 'X-Injected'])
        assert.ok(!error.message.includes(secret), `${name}: the message quotes no value`);
    }
  });

  it('refuses a dangerous field in an entry the current context does not use', () => {
    const text = stringify({
      clusters: [{ name: 'c', cluster: good }],
      users: [
        { name: 'u', user: { token: TOKEN } },
        { name: 'other', user: { exec: { command: 'id' } } },
      ],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'ctx',
    });
    assert.throws(
      () => parseRegistrationKubeconfig('c1', text),
      /users\[1\]\.user\.exec: exec plugins are not allowed/,
    );
  });

  it('allows insecure-skip-tls-verify: false, and says which context entry is missing', () => {
    assert.doesNotThrow(() =>
      parseRegistrationKubeconfig('c1', kubeconfig({ ...good, 'insecure-skip-tls-verify': false }, { token: TOKEN })),
    );
    const text = stringify({
      clusters: [{ name: 'c', cluster: good }],
      users: [],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'nobody' } }],
      'current-context': 'x',
    });
    assert.throws(() => parseRegistrationKubeconfig('c1', text), /contexts\[0\]\.context\.user: names no user/);
  });

  it('says only that text which is not YAML is not YAML', () => {
    assert.throws(
      () => parseRegistrationKubeconfig('c1', `token: ${TOKEN}\n  bad: [`),
      (error: Error) => error.message === 'the registration kubeconfig of cluster c1: not valid YAML',
    );
  });
});

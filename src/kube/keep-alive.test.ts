// A client made from the operator's kubeconfig file keeps its TLS connection alive: requests one
// after another share one connection, as for registration and in-cluster credentials.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { generateRootCa, issueServingCertificate } from '../certs/crypto.ts';
import { clientFromKubeconfigFile, clientFromKubeconfigText } from './client.ts';

async function server(): Promise<{ url: string; caPem: string; connections: () => number; close: () => void }> {
  const ca = await generateRootCa();
  const serving = await issueServingCertificate({
    ca,
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    ttlMs: 3_600_000,
  });
  let connections = 0;
  const srv = https.createServer({ key: serving.privateKeyPem, cert: serving.certificatePem }, (_request, response) => {
    response.setHeader('Content-Type', 'application/json');
    response.end('{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"default"}}');
  });
  srv.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${String(port)}`,
    caPem: ca.certificatePem,
    connections: () => connections,
    close: () => {
      srv.closeAllConnections();
      srv.close();
    },
  };
}

function kubeconfig(url: string, caPem: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'c', cluster: { server: url, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } },
    ],
    users: [{ name: 'u', user: { token: 'not-a-secret' } }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  });
}

describe('API clients keep their connection alive', () => {
  it('from the operator kubeconfig file: ten requests in a row over one TLS connection', async () => {
    const api = await server();
    const dir = mkdtempSync(join(tmpdir(), 'meshhub-keepalive-'));
    try {
      const path = join(dir, 'config');
      writeFileSync(path, kubeconfig(api.url, api.caPem), { mode: 0o600 });
      const client = clientFromKubeconfigFile('mgmt', path);
      for (let i = 0; i < 10; i++) await client.request('GET', '/api/v1/namespaces/default');
      assert.equal(api.connections(), 1);
    } finally {
      api.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('from a registration kubeconfig: ten requests in a row over one TLS connection', async () => {
    const api = await server();
    try {
      const client = clientFromKubeconfigText('cluster-1', kubeconfig(api.url, api.caPem));
      for (let i = 0; i < 10; i++) await client.request('GET', '/api/v1/namespaces/default');
      assert.equal(api.connections(), 1);
    } finally {
      api.close();
    }
  });
});

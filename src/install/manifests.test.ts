import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DISCOVERY_CLUSTER_LABEL } from '../api/labels.ts';
import type { KubeObject } from '../api/meta.ts';
import { clusterMeshes } from '../metrics/metrics-sources.ts';
import {
  certAgentMeshNamespaceRules,
  certAgentNamespaceRules,
  certAgentRules,
  installObjects,
  managementRules,
  metricsReaderRoleName,
  remoteAccessRules,
  remoteRegistrationObjects,
} from './manifests.ts';

interface Container {
  image: string;
  args: string[];
  readinessProbe: unknown;
  resources: { requests: { memory: string }; limits: { memory: string } };
}
type DeploymentShape = {
  spec: { replicas: number; template: { spec: { serviceAccountName: string; containers: Container[] } } };
};

describe('install and registration manifests', () => {
  it('gives the management plane no Secret, RBAC or wildcard access on a workload cluster', () => {
    const rules = remoteAccessRules();
    const resources = rules.flatMap((r) => r.resources);
    assert.ok(!resources.includes('secrets'));
    assert.ok(!resources.some((r) => r.includes('*')));
    assert.ok(!rules.some((r) => r.apiGroups.includes('rbac.authorization.k8s.io') || r.apiGroups.includes('*')));
    const readOnly = rules.filter((r) => r.apiGroups.includes('') || r.apiGroups.includes('apps'));
    assert.ok(readOnly.every((r) => r.verbs.every((v) => ['get', 'list', 'watch'].includes(v))));
    const istio = rules.find((r) => r.apiGroups.includes('networking.istio.io'));
    assert.ok(istio?.resources.includes('virtualservices') && istio.verbs.includes('delete'));
  });

  it('lets the management plane write IssuedCertificates and sign CertificateRequests, nothing more of the flow', () => {
    const rules = remoteAccessRules();
    const certificates = rules.filter((r) => r.apiGroups.includes('certificates.mesh.gloo.solo.io'));
    const verbsOf = (resource: string) => certificates.find((r) => r.resources.includes(resource))?.verbs ?? [];
    assert.ok(verbsOf('issuedcertificates').includes('create'));
    assert.ok(verbsOf('podbouncedirectives').includes('delete'));
    assert.deepEqual(verbsOf('certificaterequests'), ['get', 'list', 'watch']);
    assert.deepEqual(verbsOf('certificaterequests/status'), ['get', 'patch', 'update']);
  });

  it('installs the cert agent with its own identity when an image is given', () => {
    const objects = remoteRegistrationObjects({ cluster: 'c', namespace: 'gloo-mesh', certAgentImage: 'img:1' });
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    for (const name of [
      'ServiceAccount/mesh-hub-cert-agent',
      'ClusterRole/mesh-hub-gloo-mesh-cert-agent',
      'ClusterRoleBinding/mesh-hub-gloo-mesh-cert-agent',
      'Role/mesh-hub-cert-agent',
      'Role/mesh-hub-gloo-mesh-cert-agent-ca',
      'Deployment/mesh-hub-cert-agent',
    ])
      assert.ok(names.includes(name), name);
    const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as DeploymentShape;
    assert.equal(deployment.spec.template.spec.serviceAccountName, 'mesh-hub-cert-agent');
    const container = deployment.spec.template.spec.containers[0];
    assert.ok(container);
    assert.deepEqual(container.args, [
      'cert-agent',
      '--namespace=gloo-mesh',
      '--listen=0.0.0.0:9092',
      '--log-level=info',
      '--mesh-namespaces=istio-system',
    ]);
    assert.deepEqual(container.resources, {
      requests: { cpu: '50m', memory: '128Mi' },
      limits: { memory: '256Mi' },
    });
  });

  it('limits the cert agent: Secrets only in its namespace and the mesh namespaces, pods only through eviction', () => {
    const objects = remoteRegistrationObjects({
      cluster: 'c',
      namespace: 'gloo-mesh',
      certAgentImage: 'img:1',
      meshNamespaces: ['istio-system', 'istio-canary', 'istio-system'],
    });
    const roles = objects
      .filter((o) => o.kind === 'Role' && o.metadata.name.includes('cert-agent'))
      .map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    assert.deepEqual(roles, [
      'gloo-mesh/mesh-hub-cert-agent',
      'istio-canary/mesh-hub-gloo-mesh-cert-agent-ca',
      'istio-system/mesh-hub-gloo-mesh-cert-agent-ca',
    ]);
    const cluster = certAgentRules();
    assert.ok(!cluster.some((r) => r.resources.includes('secrets')), 'no cluster-wide Secret access');
    assert.deepEqual(cluster.find((r) => r.resources.includes('pods'))?.verbs, ['get', 'list', 'watch']);
    assert.deepEqual(cluster.find((r) => r.resources.includes('pods/eviction'))?.verbs, ['create']);
    for (const rules of [cluster, certAgentNamespaceRules(), certAgentMeshNamespaceRules()]) {
      assert.ok(!rules.some((r) => r.verbs.includes('delete')), 'the agent never deletes');
      assert.ok(!rules.some((r) => r.apiGroups.includes('rbac.authorization.k8s.io') || r.resources.includes('*')));
    }
    assert.deepEqual(certAgentMeshNamespaceRules(), [
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
    ]);
  });

  it('reads Secrets only in the install namespace and the root CA namespaces the operator lists', () => {
    assert.ok(!managementRules('mesh').some((r) => r.resources.includes('secrets')), 'no cluster-wide Secret read');
    const objects = installObjects({
      namespace: 'mesh',
      image: 'img',
      version: '1',
      replicas: 1,
      crds: [],
      rootCaNamespaces: ['pki', 'mesh', 'pki'],
    });
    const readers = objects.filter((o) => o.metadata.name === 'mesh-hub-mesh-root-ca-reader');
    assert.deepEqual(
      readers.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}`),
      ['Role pki', 'RoleBinding pki'],
    );
    assert.deepEqual((readers[0] as unknown as { rules: unknown }).rules, [
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
    ]);
    const settings = objects.find((o) => o.kind === 'Settings') as unknown as { spec: Record<string, unknown> };
    assert.deepEqual(settings.spec.rootCertificateAuthorityNamespaces, ['pki']);
  });

  it('lets the registered ServiceAccount create tokens for itself only', () => {
    const objects = remoteRegistrationObjects({ cluster: 'cluster-1', namespace: 'gloo-mesh' });
    const role = objects.find((o) => o.kind === 'Role' && o.metadata.name === 'mesh-hub-token-renewal') as unknown as {
      rules: { resourceNames?: string[]; resources: string[] }[];
    };
    assert.deepEqual(role.rules, [
      { apiGroups: [''], resources: ['serviceaccounts/token'], resourceNames: ['mesh-hub'], verbs: ['create'] },
    ]);
    assert.deepEqual(
      objects.map((o) => `${o.kind}/${o.metadata.name}`),
      [
        'Namespace/gloo-mesh',
        'ServiceAccount/mesh-hub',
        'ClusterRole/mesh-hub-gloo-mesh-remote-access',
        'ClusterRoleBinding/mesh-hub-gloo-mesh-remote-access',
        'Role/mesh-hub-token-renewal',
        'RoleBinding/mesh-hub-token-renewal',
        'Role/mesh-hub-gloo-mesh-metrics-reader',
        'RoleBinding/mesh-hub-gloo-mesh-metrics-reader',
        'Role/mesh-hub-gloo-mesh-metrics-reader',
        'RoleBinding/mesh-hub-gloo-mesh-metrics-reader',
        'Role/mesh-hub-gloo-mesh-metrics-reader',
        'RoleBinding/mesh-hub-gloo-mesh-metrics-reader',
      ],
    );
  });

  it('lets the management plane read exactly the Prometheus Services the metrics provider uses, or none', () => {
    const rolesOf = (objects: readonly KubeObject[]) =>
      objects
        .filter((o) => o.kind === 'Role' && o.metadata.name === metricsReaderRoleName('gloo-mesh'))
        .map((o) => [o.metadata.namespace, (o as unknown as { rules: unknown }).rules]);
    const rule = (names: string[]) => [
      { apiGroups: [''], resources: ['services/proxy'], resourceNames: names, verbs: ['get'] },
    ];
    const objects = remoteRegistrationObjects({
      cluster: 'c',
      namespace: 'gloo-mesh',
      meshNamespaces: ['istio-system', 'istio-canary'],
    });
    assert.deepEqual(rolesOf(objects), [
      ['istio-canary', rule(['prometheus:9090'])],
      ['istio-system', rule(['prometheus:9090'])],
      ['linkerd-viz', rule(['prometheus:9090'])],
      ['osm-system', rule(['osm-prometheus:7070'])],
    ]);
    // Bound to the management plane's ServiceAccount only.
    const binding = objects.find(
      (o) => o.kind === 'RoleBinding' && o.metadata.name === metricsReaderRoleName('gloo-mesh'),
    ) as unknown as { subjects: unknown };
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'mesh-hub', namespace: 'gloo-mesh' }]);
    // The grant matches what the provider asks for, for every mesh kind in its default namespace.
    for (const [kind, namespace] of [
      ['istio', 'istio-system'],
      ['linkerd', 'linkerd'],
      ['osm', 'osm-system'],
    ] as const) {
      const mesh = {
        apiVersion: 'discovery.mesh.gloo.solo.io/v1',
        kind: 'Mesh',
        metadata: { name: kind, namespace: 'gloo-mesh', labels: { [DISCOVERY_CLUSTER_LABEL]: 'c' } },
        spec: { [kind]: { installation: { namespace, cluster: 'c' } } },
      };
      const source = clusterMeshes([mesh], 'c').defaultSource;
      assert.ok(source?.via === 'service-proxy', kind);
      const granted = rolesOf(objects).find(([ns]) => ns === source.namespace);
      assert.deepEqual(granted?.[1], rule([`${source.service}:${String(source.port)}`]), kind);
    }
    assert.deepEqual(
      rolesOf(remoteRegistrationObjects({ cluster: 'c', namespace: 'gloo-mesh', metricsAccess: false })),
      [],
    );
  });

  it('installs CRDs first and the Deployment with probes on the health endpoints', () => {
    const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'x.y' } };
    const objects = installObjects({ namespace: 'mesh', image: 'img', version: '1.2.3', replicas: 2, crds: [crd] });
    assert.equal(objects[0]?.kind, 'CustomResourceDefinition');
    assert.equal(objects[1]?.kind, 'Namespace');
    const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as DeploymentShape;
    assert.equal(deployment.spec.replicas, 2);
    const container = deployment.spec.template.spec.containers[0];
    assert.ok(container);
    assert.equal(container.image, 'img:1.2.3');
    assert.ok(container.args.includes('--namespace=mesh'));
    assert.deepEqual(container.readinessProbe, { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 10 });
    // Derived from the benchmark's peak (525–626 MiB for the 50-cluster estate), with headroom.
    assert.deepEqual(container.resources, { requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '1Gi' } });
  });
});

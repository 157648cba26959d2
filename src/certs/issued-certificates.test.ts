import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Resource } from '../api/kind.ts';
import type { meshKind } from '../api/discovery/v1/mesh.ts';
import type { workloadKind } from '../api/discovery/v1/workload.ts';
import type { virtualMeshKind } from '../api/networking/v1/virtual-mesh.ts';
import { INPUTS_HASH_ANNOTATION } from './cert-defaults.ts';
import { desiredIssuedCertificates, type TrustInput } from './issued-certificates.ts';

type VirtualMesh = Resource<typeof virtualMeshKind>;

function mesh(
  cluster: string,
  extra: { agentNamespace?: string; trustDomain?: string } = {},
): Resource<typeof meshKind> {
  return {
    apiVersion: 'discovery.mesh.gloo.solo.io/v1',
    kind: 'Mesh',
    metadata: { name: `istiod-istio-system-${cluster}`, namespace: 'gloo-mesh' },
    spec: {
      istio: {
        installation: { cluster, namespace: 'istio-system', podLabels: { app: 'istiod' } },
        trustDomain: extra.trustDomain ?? 'cluster.local',
        istiodServiceAccount: 'istiod',
      },
      ...(extra.agentNamespace === undefined ? {} : { agentInfo: { agentNamespace: extra.agentNamespace } }),
    },
  };
}

const workload: Resource<typeof workloadKind> = {
  apiVersion: 'discovery.mesh.gloo.solo.io/v1',
  kind: 'Workload',
  metadata: { name: 'reviews-v1-bookinfo-c1-deployment', namespace: 'gloo-mesh' },
  spec: {
    kubernetes: {
      controller: { name: 'reviews-v1', namespace: 'bookinfo', clusterName: 'c1' },
      podLabels: { app: 'reviews' },
    },
    mesh: { name: 'istiod-istio-system-c1', namespace: 'gloo-mesh' },
  },
};

function virtualMesh(mtlsConfig: VirtualMesh['spec']['mtlsConfig']): VirtualMesh {
  return {
    apiVersion: 'networking.mesh.gloo.solo.io/v1',
    kind: 'VirtualMesh',
    metadata: { name: 'vm', namespace: 'gloo-mesh' },
    spec: { meshes: [], ...(mtlsConfig === undefined ? {} : { mtlsConfig }) },
  };
}

function input(vm: VirtualMesh, extra: Partial<TrustInput> = {}): TrustInput {
  return {
    installNamespace: 'gloo-mesh',
    virtualMesh: vm,
    members: [mesh('c1'), mesh('c2', { agentNamespace: 'agents', trustDomain: 'c2.example' })],
    workloads: [workload],
    ...extra,
  };
}

describe('desiredIssuedCertificates', () => {
  it('issues per mesh from a generated root, with upstream defaults, names and placement', () => {
    const trust = desiredIssuedCertificates(
      input(virtualMesh({ shared: { rootCertificateAuthority: { generated: {} } }, autoRestartPods: true })),
    );
    assert.deepEqual(trust.root, {
      source: 'generated',
      secret: { name: 'vm.gloo-mesh', namespace: 'gloo-mesh' },
      options: { ttlDays: 365, rsaKeySizeBytes: 4096, orgName: 'gloo-mesh', secretRotationGracePeriodRatio: 0.1 },
    });
    const [c1, c2] = trust.meshes;
    assert.ok(c1 !== undefined && c2 !== undefined);
    assert.deepEqual(
      c1.objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`),
      ['IssuedCertificate gloo-mesh/istiod-istio-system-c1', 'PodBounceDirective gloo-mesh/istiod-istio-system-c1'],
    );
    const issued = c2.objects[0] as unknown as { metadata: { namespace: string }; spec: Record<string, unknown> };
    assert.equal(issued.metadata.namespace, 'agents');
    assert.deepEqual(issued.spec.hosts, ['spiffe://c2.example/ns/istio-system/sa/istiod']);
    assert.deepEqual(issued.spec.issuedCertificateSecret, { name: 'cacerts', namespace: 'istio-system' });
    assert.deepEqual(issued.spec.glooMeshCa, {
      signingCertificateSecret: { name: 'vm.gloo-mesh', namespace: 'gloo-mesh' },
    });
    assert.deepEqual(issued.spec.certOptions, {
      ttlDays: 365,
      rsaKeySizeBytes: 4096,
      orgName: 'Istio',
      secretRotationGracePeriodRatio: 0.1,
    });
    const bounce = c1.objects[1] as unknown as {
      spec: { podsToBounce: { namespace: string; waitForReplicas?: number }[] };
    };
    assert.deepEqual(
      bounce.spec.podsToBounce.map((p) => [p.namespace, p.waitForReplicas]),
      [
        ['istio-system', 1],
        ['bookinfo', undefined],
      ],
    );
  });

  it('uses a user-supplied root Secret and intermediate options; no directive without autoRestartPods', () => {
    const trust = desiredIssuedCertificates(
      input(
        virtualMesh({
          shared: {
            rootCertificateAuthority: { secret: { name: 'my-root' } },
            intermediateCertOptions: { ttlDays: 30, orgName: 'acme' },
          },
        }),
      ),
    );
    assert.deepEqual(trust.root, { source: 'secret', secret: { name: 'my-root', namespace: 'gloo-mesh' } });
    const spec = (trust.meshes[0]?.objects[0] as unknown as { spec: Record<string, unknown> }).spec;
    assert.deepEqual(spec.certOptions, {
      ttlDays: 30,
      rsaKeySizeBytes: 4096,
      orgName: 'acme',
      secretRotationGracePeriodRatio: 0.1,
    });
    assert.equal(spec.podBounceDirective, undefined);
    assert.equal(trust.meshes[0]?.objects.length, 1);
  });

  it('holds back and reports when the caller knows the root is missing; hashes the root it knows', () => {
    const generated = virtualMesh({ shared: { rootCertificateAuthority: { generated: {} } } });
    const waiting = desiredIssuedCertificates(input(generated, { rootCertificates: new Map() }));
    assert.deepEqual(waiting.meshes[0]?.objects, []);
    assert.match(waiting.meshes[0].warnings[0] ?? '', /waiting for the generated root CA/);
    const supplied = virtualMesh({
      shared: { rootCertificateAuthority: { secret: { name: 'my-root', namespace: 'gloo-mesh' } } },
    });
    assert.match(
      desiredIssuedCertificates(input(supplied, { rootCertificates: new Map() })).meshes[0]?.errors[0] ?? '',
      /my-root not found/,
    );
    const hash = (root: string) =>
      desiredIssuedCertificates(input(supplied, { rootCertificates: new Map([['gloo-mesh/my-root', root]]) })).meshes[0]
        ?.objects[0]?.metadata.annotations?.[INPUTS_HASH_ANNOTATION];
    assert.notEqual(hash('root A'), hash('root B'));
    assert.equal(hash('root A'), hash('root A\n'));
  });

  it('says on every member that a root rotation waits, and issues as for the root itself', () => {
    const supplied = virtualMesh({
      shared: { rootCertificateAuthority: { secret: { name: 'my-root', namespace: 'gloo-mesh' } } },
    });
    const rolling = 'root rotation: waiting for cluster c2 to trust the new root';
    const [plain, waiting] = ['root A', { certificatePem: 'root A', rolling }].map(
      (entry) =>
        desiredIssuedCertificates(input(supplied, { rootCertificates: new Map([['gloo-mesh/my-root', entry]]) }))
          .meshes[0],
    );
    assert.deepEqual(plain?.warnings, []);
    assert.deepEqual(waiting?.warnings, [rolling]);
    assert.deepEqual(waiting.objects, plain.objects);
  });

  it('writes nothing without shared trust', () => {
    assert.deepEqual(desiredIssuedCertificates(input(virtualMesh(undefined))), { root: undefined, meshes: [] });
  });
});

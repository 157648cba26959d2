// Every example of every Mesh Hub kind is accepted by a real API server with the generated CRDs, and
// every cluster serves the third-party kinds at the versions the meshes read.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { parseKubeYaml } from '../../src/snapshot/yaml.ts';
import { crdName, crdSets } from '../../src/testenv/crds.ts';
import { freshNamespace, testCluster } from '../testenv/helpers.ts';

const testdata = join(import.meta.dirname, '..', '..', 'src', 'api', 'testdata');
const examples = readdirSync(testdata)
  .sort()
  .flatMap((file) => parseKubeYaml(readFileSync(join(testdata, file), 'utf8'), file).map((doc) => doc.object));

/** CRD name → the versions a mesh release reads and Mesh Hub may write (OSM v1.2.4, Linkerd edge-26.8.3, Istio 1.31). */
const MESH_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  // OSM v1.2.4 watches TrafficSplit at v1alpha2 only; smi-sdk-go v0.5.0 serves v1alpha4 only.
  'trafficsplits.split.smi-spec.io': ['v1alpha2'],
  'traffictargets.access.smi-spec.io': ['v1alpha3'],
  'httproutegroups.specs.smi-spec.io': ['v1alpha4'],
  'tcproutes.specs.smi-spec.io': ['v1alpha4'],
  'meshconfigs.config.openservicemesh.io': ['v1alpha2'],
  'meshrootcertificates.config.openservicemesh.io': ['v1alpha2'],
  'retries.policy.openservicemesh.io': ['v1alpha1'],
  'upstreamtrafficsettings.policy.openservicemesh.io': ['v1alpha1'],
  'egresses.policy.openservicemesh.io': ['v1alpha1'],
  'ingressbackends.policy.openservicemesh.io': ['v1alpha1'],
  'servers.policy.linkerd.io': ['v1beta3'],
  'httproutes.policy.linkerd.io': ['v1beta3'],
  'authorizationpolicies.policy.linkerd.io': ['v1alpha1'],
  'meshtlsauthentications.policy.linkerd.io': ['v1alpha1'],
  'serviceprofiles.linkerd.io': ['v1alpha2'],
  'httproutes.gateway.networking.k8s.io': ['v1'],
  'virtualservices.networking.istio.io': ['v1'],
  'authorizationpolicies.security.istio.io': ['v1'],
};

describe('generated CRDs on a real API server', () => {
  it('accept every example manifest (server-side dry run) and keep every field', async (t) => {
    const mgmt = testCluster('mgmt');
    const namespace = await freshNamespace(mgmt, t, 'crds');
    for (const example of examples) {
      const { status: _status, ...object } = example;
      const body = { ...object, metadata: { name: example.metadata.name, namespace } };
      const created = await mgmt.objects.create(body, undefined, 'All');
      // Pruning would silently drop fields the schema does not know: compare the spec as stored.
      assert.deepEqual(
        (created as { spec?: unknown }).spec,
        (body as { spec?: unknown }).spec,
        `${example.kind} ${example.metadata.name}`,
      );
    }
  });
});

describe('third-party CRDs on a real API server', () => {
  const sets = crdSets();

  it('come from one source per CRD name, SMI from OSM where OSM ships it', () => {
    const sourceOf = new Map(sets.flatMap((set) => set.crds.map((crd) => [crdName(crd), set.name] as const)));
    assert.equal(
      sourceOf.size,
      sets.map((set) => set.crds.length).reduce((a, b) => a + b, 0),
      'no name twice',
    );
    for (const name of Object.keys(MESH_VERSIONS).filter((n) => n.includes('smi-spec.io'))) {
      assert.equal(sourceOf.get(name), 'osm', name);
    }
    assert.equal(sourceOf.get('udproutes.specs.smi-spec.io'), 'smi', 'what OSM does not ship still comes from SMI');
  });

  it('are Established on every cluster and serve the versions the meshes read', async () => {
    for (const cluster of ['mgmt', 'cluster-1', 'cluster-2']) {
      const api = testCluster(cluster).kubeConfig.makeApiClient(k8s.ApiextensionsV1Api);
      const installed = new Map(
        (await api.listCustomResourceDefinition()).items.map((crd) => [crd.metadata?.name, crd]),
      );
      for (const set of sets) {
        for (const crd of set.crds) {
          const name = crdName(crd);
          const established = installed
            .get(name)
            ?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
          assert.ok(established, `${cluster}: CRD ${name} (${set.name}) is Established`);
        }
      }
      for (const [name, versions] of Object.entries(MESH_VERSIONS)) {
        const served = (installed.get(name)?.spec.versions ?? []).filter((v) => v.served).map((v) => v.name);
        for (const version of versions) assert.ok(served.includes(version), `${cluster}: ${name} serves ${version}`);
      }
    }
  });
});

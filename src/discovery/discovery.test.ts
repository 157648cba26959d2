import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { discover } from './discover.ts';
import { findSubsets } from './destinations.ts';
import { imageVersion } from './meshes.ts';
import { discoveredName, sanitizeName } from './names.ts';
import { sidecarOf, type DetectedWorkload } from './workloads.ts';

describe('discovered names', () => {
  it('joins name, namespace and cluster (and a kind suffix for workloads)', () => {
    assert.equal(discoveredName('reviews', 'bookinfo', 'cluster-1'), 'reviews-bookinfo-cluster-1');
    assert.equal(
      discoveredName('reviews-v1', 'bookinfo', 'cluster-1', 'deployment'),
      'reviews-v1-bookinfo-cluster-1-deployment',
    );
  });

  it('sanitizes to a DNS-1123 name', () => {
    assert.equal(sanitizeName('My_Service.v2--prod-'), 'my-service-v2-prod');
  });

  it('cuts names over 63 characters and adds a stable hash of the full name', () => {
    const long = `${'a'.repeat(40)}-${'b'.repeat(40)}`;
    const name = sanitizeName(long);
    assert.equal(name.length, 63);
    assert.match(name, /^a{40}-b{13}-[0-9a-f]{8}$/);
    assert.equal(sanitizeName(long), name, 'stable');
    assert.notEqual(sanitizeName(`${long}c`), name, 'different names get different hashes');
    assert.equal(sanitizeName('x'.repeat(63)), 'x'.repeat(63), 'exactly 63 is kept');
  });
});

describe('detectors', () => {
  it('reads the version from an image tag', () => {
    assert.equal(imageVersion('docker.io/istio/pilot:1.24.2'), '1.24.2');
    assert.equal(imageVersion('gcr.io/istio-release/pilot:1.25.1-distroless'), '1.25.1');
    assert.equal(imageVersion('registry:5000/istio/pilot'), undefined);
    assert.equal(imageVersion('istio/pilot:1.24.2@sha256:abc'), '1.24.2');
  });

  it('finds sidecars, native sidecars and nothing else', () => {
    const c = (name: string, restartPolicy?: string) => ({
      name,
      ...(restartPolicy === undefined ? {} : { restartPolicy }),
    });
    assert.equal(sidecarOf({ containers: [c('app'), c('istio-proxy')] }), 'istio');
    assert.equal(sidecarOf({ containers: [c('app')], initContainers: [c('istio-proxy', 'Always')] }), 'istio');
    assert.equal(
      sidecarOf({ containers: [c('app')], initContainers: [c('istio-proxy')] }),
      undefined,
      'a plain init container is not a sidecar',
    );
    assert.equal(sidecarOf({ containers: [c('app')], initContainers: [c('linkerd-proxy', 'Always')] }), 'linkerd');
    assert.equal(sidecarOf({ containers: [c('app'), c('envoy')], initContainers: [c('osm-init')] }), 'osm');
    assert.equal(sidecarOf({ containers: [c('app'), c('envoy')] }), undefined, 'an envoy container alone is not OSM');
  });

  it('makes subsets of label keys with more than one value, ignoring hash and revision labels', () => {
    const workload = (labels: Record<string, string>) => ({ podLabels: labels }) as unknown as DetectedWorkload;
    assert.deepEqual(
      findSubsets([
        workload({
          app: 'reviews',
          version: 'v2',
          'pod-template-hash': 'a',
          'service.istio.io/canonical-revision': 'v2',
        }),
        workload({
          app: 'reviews',
          version: 'v1',
          'pod-template-hash': 'b',
          'service.istio.io/canonical-revision': 'v1',
        }),
      ]),
      { version: { values: ['v1', 'v2'] } },
    );
    assert.equal(findSubsets([workload({ app: 'ratings', version: 'v1' })]), undefined);
  });
});

describe('control plane installation', () => {
  /** A control plane Deployment whose pod template carries labels beyond its selector. */
  const controlPlane = (name: string, namespace: string, image: string, selector: Record<string, string>) => ({
    object: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace },
      spec: {
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...selector, version: 'v1', 'sidecar.istio.io/inject': 'false', extra: 'x' } },
          spec: { containers: [{ name: 'main', image }] },
        },
      },
    },
    source: {},
  });

  it("reports the Deployment's selector as a Mesh's podLabels, not its pod template labels", () => {
    const result = discover({
      installNamespace: 'gloo-mesh',
      mgmt: [],
      clusters: new Map([
        ['istio-cluster', [controlPlane('istiod', 'istio-system', 'docker.io/istio/pilot:1.24.2', { app: 'istiod' })]],
        [
          'linkerd-cluster',
          [
            controlPlane('linkerd-destination', 'linkerd', 'cr.l5d.io/linkerd/controller:edge-26.8.3', {
              'linkerd.io/control-plane-component': 'destination',
              'linkerd.io/control-plane-ns': 'linkerd',
            }),
          ],
        ],
        [
          'osm-cluster',
          [
            controlPlane('osm-controller', 'osm-system', 'openservicemesh/osm-controller:v1.2.4', {
              app: 'osm-controller',
            }),
          ],
        ],
      ]),
    });
    const podLabels = Object.fromEntries(
      result.meshes.map((mesh) => {
        const spec = mesh.spec;
        const installation = (spec.istio ?? spec.linkerd ?? spec.osm)?.installation;
        return [mesh.metadata.name, installation?.podLabels];
      }),
    );
    assert.deepEqual(podLabels, {
      'istiod-istio-system-istio-cluster': { app: 'istiod' },
      'linkerd-destination-linkerd-linkerd-cluster': {
        'linkerd.io/control-plane-component': 'destination',
        'linkerd.io/control-plane-ns': 'linkerd',
      },
      'osm-controller-osm-system-osm-cluster': { app: 'osm-controller' },
    });
  });
});

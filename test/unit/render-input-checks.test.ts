// Input that used to be accepted silently (issue 16, item 3) is now an error or a warning naming
// the file and document: an object defined twice, a .json file, a management kind under clusters/,
// a duration beyond google.protobuf.Duration's range.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ISTIO_CLUSTER, meshctl, trafficPolicy, tree } from './render-support.ts';

describe('meshctl render: input accepted silently before', () => {
  it('refuses an object defined differently in two files, naming both places', () => {
    const dir = tree({
      ...ISTIO_CLUSTER,
      'mgmt/a.yaml': trafficPolicy('timeout', '{requestTimeout: 5s}'),
      'mgmt/b/more.yaml': `${trafficPolicy('other', '{requestTimeout: 1s}')}---\n${trafficPolicy('timeout', '{requestTimeout: 9s}')}`,
    });
    const run = meshctl('render', '--input', dir);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stdout, '');
    assert.equal(
      run.stderr,
      'error: mgmt/b/more.yaml (document 1): TrafficPolicy gloo-mesh/timeout is defined twice, differently: here and in mgmt/a.yaml (document 0); keep one\n',
    );
  });

  it('refuses an identical copy too, naming both places', () => {
    const policy = trafficPolicy('timeout', '{requestTimeout: 5s}');
    const dir = tree({ ...ISTIO_CLUSTER, 'mgmt/a.yaml': policy, 'mgmt/b.yaml': policy });
    const run = meshctl('render', '--input', dir);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(
      run.stderr,
      'error: mgmt/b.yaml (document 0): TrafficPolicy gloo-mesh/timeout is defined twice (identically): here and in mgmt/a.yaml (document 0); keep one\n',
    );
  });

  it('the same name in two clusters is two objects, not a duplicate', () => {
    const ns = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shared}\n';
    const run = meshctl('render', '--input', tree({ 'clusters/a/ns.yaml': ns, 'clusters/b/ns.yaml': ns }));
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /warning|error/);
  });

  it('reads .json files as input, and names them in errors', () => {
    const policy = {
      apiVersion: 'networking.mesh.gloo.solo.io/v1',
      kind: 'TrafficPolicy',
      metadata: { name: 'from-json', namespace: 'gloo-mesh' },
      spec: {
        destinationSelector: [
          { kubeServiceRefs: { services: [{ name: 'reviews', namespace: 'bookinfo', clusterName: 'cluster-1' }] } },
        ],
        policy: { requestTimeout: '3s' },
      },
    };
    const dir = tree({ ...ISTIO_CLUSTER, 'mgmt/p.json': JSON.stringify(policy, null, 2) });
    const run = meshctl('render', '--input', dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^TrafficPolicy: 1 ACCEPTED$/m);
    assert.match(run.stdout, /timeout: 3s/);
    const broken = meshctl('render', '--input', tree({ 'mgmt/p.json': '{"apiVersion": "v1", "kind": ' }));
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /^error: mgmt\/p\.json \(document 0\): invalid YAML at line 1, column \d+/);
  });

  it('warns about a management kind under clusters/, naming the file, and ignores it', () => {
    const dir = tree({
      ...ISTIO_CLUSTER,
      'clusters/cluster-1/policies.yaml': trafficPolicy('misplaced', '{requestTimeout: 5s}'),
    });
    const run = meshctl('render', '--input', dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /^warning: cluster-1: TrafficPolicy gloo-mesh\/misplaced \(clusters\/cluster-1\/policies\.yaml, document 0\): ignored: TrafficPolicy is read from the management cluster only; move it under mgmt\/$/m,
    );
    assert.doesNotMatch(run.stdout, /misplaced|kind: VirtualService/);
  });

  it('refuses a duration beyond google.protobuf.Duration, naming the field and the limit', () => {
    const dir = tree({ ...ISTIO_CLUSTER, 'mgmt/p.yaml': trafficPolicy('forever', '{requestTimeout: 400000000000s}') });
    const run = meshctl('render', '--input', dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /^ {2}INVALID TrafficPolicy gloo-mesh\/forever \(mgmt\/p\.yaml, document 0\): spec\.policy\.requestTimeout: out of range for google\.protobuf\.Duration: at most 315576000000s .*"400000000000s"$/m,
    );
    assert.doesNotMatch(run.stdout, /timeout: 400000000000s/, 'not written into the VirtualService');
    assert.doesNotMatch(run.stdout, /kind: VirtualService/);
  });

  it('takes the longest duration the range allows', () => {
    const dir = tree({ ...ISTIO_CLUSTER, 'mgmt/p.yaml': trafficPolicy('long', '{requestTimeout: 315576000000s}') });
    const run = meshctl('render', '--input', dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^TrafficPolicy: 1 ACCEPTED$/m);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatChecks, imageTag, parseKubernetesVersion, versionSkew } from './commands/check.ts';

describe('meshctl check: versions', () => {
  it('reads the tag of an image reference (a registry port is not a tag)', () => {
    assert.equal(imageTag('ghcr.io/mesh-hub/mesh-hub:0.1.0'), '0.1.0');
    assert.equal(imageTag('registry.example:5000/hub:2.0.0'), '2.0.0');
    assert.equal(imageTag('registry.example:5000/hub'), 'latest');
    assert.equal(imageTag('hub@sha256:abc'), 'sha256:abc');
  });

  it('passes when client, management plane and cert agents agree, warns with a fix on skew', () => {
    const same = versionSkew('0.1.0', '0.1.0', [{ cluster: 'cluster-1', version: '0.1.0' }]);
    assert.equal(same.status, 'PASS');
    assert.equal(same.detail, 'client 0.1.0, management plane 0.1.0, cert agent on cluster-1 0.1.0');
    const skew = versionSkew('0.1.0', '0.2.0', [
      { cluster: 'cluster-1', version: '0.2.0' },
      { cluster: 'cluster-2', version: '0.1.0' },
    ]);
    assert.equal(skew.status, 'WARN');
    assert.equal(skew.ok, true, 'a warning does not fail meshctl check');
    assert.equal(
      skew.detail,
      'version skew: client 0.1.0, management plane 0.2.0, cert agent on cluster-1 0.2.0, cert agent on cluster-2 0.1.0',
    );
    assert.match(skew.fix ?? '', /meshctl install --version 0\.2\.0/);
    assert.equal(versionSkew('0.1.0', undefined, []).status, 'PASS');
    assert.match(formatChecks([skew]), /^WARN {2}versions: version skew: .*\n {6}fix: /);
  });

  it('parses Kubernetes versions', () => {
    assert.deepEqual(parseKubernetesVersion('v1.37.2'), { major: 1, minor: 37 });
    assert.deepEqual(parseKubernetesVersion('v1.21.0-eks-1'), { major: 1, minor: 21 });
    assert.equal(parseKubernetesVersion('unknown'), undefined);
  });
});

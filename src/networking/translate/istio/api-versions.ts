// Which Istio API versions to write for a mesh: `v1` from Istio 1.22 (where v1 became the served
// default), `v1beta1` before it. When the version was not discovered, v1beta1: every Istio from
// 1.5 to today serves it, so it is the one choice that cannot be refused.
import type { Mesh } from '../../model.ts';

export interface IstioApiVersions {
  readonly networking: 'networking.istio.io/v1' | 'networking.istio.io/v1beta1';
  readonly security: 'security.istio.io/v1' | 'security.istio.io/v1beta1';
}

const V1: IstioApiVersions = { networking: 'networking.istio.io/v1', security: 'security.istio.io/v1' };
const V1BETA1: IstioApiVersions = { networking: 'networking.istio.io/v1beta1', security: 'security.istio.io/v1beta1' };

/** `1.22.3`, `1.24.2-distroless`, `v1.22.0` → [1, 22]; anything else → undefined. */
export function parseIstioVersion(version: string | undefined): readonly [number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)/.exec(version ?? '');
  if (match === null) return undefined;
  return [Number(match[1]), Number(match[2])];
}

export function istioApiVersions(mesh: Mesh): IstioApiVersions {
  const parsed = parseIstioVersion(mesh.spec.istio?.installation?.version);
  if (parsed === undefined) return V1BETA1;
  const [major, minor] = parsed;
  return major > 1 || (major === 1 && minor >= 22) ? V1 : V1BETA1;
}

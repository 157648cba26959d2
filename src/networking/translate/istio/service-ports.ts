// Service ports as ServiceEntry ports: Istio's protocol for a Kubernetes port (its own rule:
// UDP, then appProtocol, then the name prefix before `-`, TCP for a few well-known ports), and a
// port name that is unique and valid even when the Service left the name empty.
import type { KubeService } from '../../../api/discovery/v1/destination.ts';
import type { ServicePort } from './istio-types.ts';

type KubePort = NonNullable<KubeService['ports']>[number];

const PROTOCOLS: Readonly<Record<string, string>> = {
  tcp: 'TCP',
  udp: 'UDP',
  grpc: 'GRPC',
  'grpc-web': 'GRPC-Web',
  http: 'HTTP',
  http2: 'HTTP2',
  https: 'HTTPS',
  tls: 'TLS',
  mongo: 'Mongo',
  redis: 'Redis',
  mysql: 'MySQL',
};
const APP_PROTOCOL_ALIASES: Readonly<Record<string, string>> = {
  'kubernetes.io/h2c': 'HTTP2',
  'kubernetes.io/ws': 'HTTP',
  'kubernetes.io/wss': 'HTTPS',
};
const WELL_KNOWN_TCP_PORTS = new Set([25, 53, 3306, 27017]);

/** Istio's protocol for a Kubernetes Service port; the Kubernetes protocol when Istio would not know. */
export function istioProtocol(port: KubePort): string {
  if (port.protocol === 'UDP') return 'UDP';
  let name = port.name ?? '';
  if (port.appProtocol !== undefined && port.appProtocol !== '') {
    const alias = APP_PROTOCOL_ALIASES[port.appProtocol];
    if (alias !== undefined) return alias;
    name = port.appProtocol;
  }
  if (name.toLowerCase().startsWith('grpc-web')) return 'GRPC-Web';
  const prefix = (name.split('-')[0] ?? '').toLowerCase();
  const known = PROTOCOLS[prefix];
  if (known !== undefined) return known;
  if (WELL_KNOWN_TCP_PORTS.has(port.port ?? 0)) return 'TCP';
  // Gloo Mesh writes the Kubernetes protocol (TCP) when Istio would not recognize the port.
  return port.protocol ?? 'TCP';
}

export interface NamedPort {
  readonly kube: KubePort;
  readonly serviceEntryPort: ServicePort;
}

/** The ServiceEntry ports of a Service: its name, else `<protocol>-<number>` (names must be unique in Istio). */
export function serviceEntryPorts(kube: KubeService | undefined): NamedPort[] {
  const ports: NamedPort[] = [];
  const names = new Set<string>();
  for (const port of kube?.ports ?? []) {
    if (port.port === undefined || ports.some((p) => p.serviceEntryPort.number === port.port)) continue;
    const protocol = istioProtocol(port);
    let name =
      port.name !== undefined && port.name !== '' ? port.name : `${protocol.toLowerCase()}-${String(port.port)}`;
    if (names.has(name)) name = `${name}-${String(port.port)}`;
    names.add(name);
    ports.push({ kube: port, serviceEntryPort: { number: port.port, protocol, name } });
  }
  return ports;
}

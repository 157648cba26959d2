// The parts of Istio's VirtualService, DestinationRule and AuthorizationPolicy specs that Mesh Hub
// writes (field names as in istio.io/api, networking v1 / security v1; v1beta1 is the same shape).

export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

export interface HTTPMatchRequest {
  name?: string;
  uri?: StringMatch;
  ignoreUriCase?: boolean;
  method?: StringMatch;
  headers?: Record<string, StringMatch>;
  withoutHeaders?: Record<string, StringMatch>;
  queryParams?: Record<string, StringMatch>;
  sourceLabels?: Record<string, string>;
  sourceNamespace?: string;
  port?: number;
}

export interface PortSelector {
  number: number;
}

export interface Destination {
  host: string;
  subset?: string;
  port?: PortSelector;
}

export interface HeaderOperations {
  add?: Record<string, string>;
  remove?: string[];
}

export interface Headers {
  request?: HeaderOperations;
  response?: HeaderOperations;
}

export interface HTTPRouteDestination {
  destination: Destination;
  weight?: number;
  headers?: Headers;
}

export interface Percent {
  value: number;
}

export interface HTTPRetry {
  attempts: number;
  perTryTimeout?: string;
}

export interface HTTPFaultInjection {
  delay?: { fixedDelay: string; percentage: Percent };
  abort?: { httpStatus: number; percentage: Percent };
}

export interface CorsPolicy {
  allowOrigins?: StringMatch[];
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: string;
  allowCredentials?: boolean;
}

export interface HTTPRoute {
  match?: HTTPMatchRequest[];
  route?: HTTPRouteDestination[];
  timeout?: string;
  retries?: HTTPRetry;
  fault?: HTTPFaultInjection;
  mirror?: Destination;
  mirrorPercentage?: Percent;
  corsPolicy?: CorsPolicy;
  headers?: Headers;
}

export interface VirtualServiceSpec {
  hosts: string[];
  http: HTTPRoute[];
}

export type TLSMode = 'DISABLE' | 'SIMPLE' | 'ISTIO_MUTUAL';

export interface OutlierDetection {
  consecutiveGatewayErrors?: number;
  consecutive5xxErrors: number;
  interval: string;
  baseEjectionTime: string;
  maxEjectionPercent: number;
}

export interface TcpKeepalive {
  probes?: number;
  time?: string;
  interval?: string;
}

export interface LocalityLbSetting {
  enabled: boolean;
  failover?: { from: string; to: string }[];
  failoverPriority?: string[];
}

export interface TrafficPolicy {
  tls?: { mode: TLSMode; sni?: string };
  outlierDetection?: OutlierDetection;
  connectionPool?: { tcp: { tcpKeepalive: TcpKeepalive } };
  loadBalancer?: { localityLbSetting: LocalityLbSetting };
}

export interface Subset {
  name: string;
  labels: Record<string, string>;
}

export interface DestinationRuleSpec {
  host: string;
  trafficPolicy?: TrafficPolicy;
  subsets?: Subset[];
  exportTo?: string[];
}

export interface ServicePort {
  number: number;
  protocol: string;
  name: string;
  targetPort?: number;
}

export interface WorkloadEntry {
  address: string;
  ports?: Record<string, number>;
  labels?: Record<string, string>;
  locality?: string;
  weight?: number;
}

export type Resolution = 'STATIC' | 'DNS';

export interface ServiceEntrySpec {
  hosts: string[];
  addresses?: string[];
  ports: ServicePort[];
  location: 'MESH_INTERNAL';
  resolution: Resolution;
  endpoints?: WorkloadEntry[];
  exportTo?: string[];
}

export interface GatewaySpec {
  selector: Record<string, string>;
  servers: {
    port: { number: number; protocol: 'TLS'; name: string };
    hosts: string[];
    tls: { mode: 'AUTO_PASSTHROUGH' };
  }[];
}

export interface Source {
  principals?: string[];
  namespaces?: string[];
}

export interface Operation {
  paths?: string[];
  methods?: string[];
  ports?: string[];
}

export interface Rule {
  from?: { source: Source }[];
  to?: { operation: Operation }[];
}

export interface AuthorizationPolicySpec {
  selector: { matchLabels: Record<string, string> };
  action: 'ALLOW';
  rules: Rule[];
}

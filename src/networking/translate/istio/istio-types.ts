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
  consecutive5xxErrors: number;
  interval: string;
  baseEjectionTime: string;
  maxEjectionPercent: number;
}

export interface TrafficPolicy {
  tls?: { mode: TLSMode };
  outlierDetection?: OutlierDetection;
}

export interface Subset {
  name: string;
  labels: Record<string, string>;
}

export interface DestinationRuleSpec {
  host: string;
  trafficPolicy?: TrafficPolicy;
  subsets?: Subset[];
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

// A traffic shift's destination that is not a Kubernetes Service: which of the API's other target
// fields it sets, for the error of a mesh that routes to Services only.
import type { WeightedDestination } from '../../api/networking/v1/traffic-policy.ts';

export type NonServiceTarget = 'virtualDestination' | 'staticDestination' | 'clusterHeader';

export function nonServiceTarget(weighted: WeightedDestination): NonServiceTarget {
  if (weighted.virtualDestination !== undefined) return 'virtualDestination';
  return weighted.staticDestination !== undefined ? 'staticDestination' : 'clusterHeader';
}

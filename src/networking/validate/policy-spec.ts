// Checks on a policy's spec alone, beyond its schema: what no mesh could apply. Each error names
// the field (`spec.policy.retries.perTryTimeout: …`); any error makes the whole policy INVALID.
import type { StringMatch } from '../../api/common/selectors.ts';
import type { AccessPolicySpec } from '../../api/networking/v1/access-policy.ts';
import type { HttpMatcher, TrafficPolicySpec } from '../../api/networking/v1/traffic-policy.ts';
import { checkIstioDuration as checkDuration } from './durations.ts';

function checkStringMatch(match: StringMatch, path: string, errors: string[]): void {
  const set = (['exact', 'prefix', 'regex', 'suffix'] as const).filter((k) => match[k] !== undefined);
  if (set.length === 0) errors.push(`${path}: set one of exact, prefix, regex or suffix`);
  if (match.regex !== undefined && match.regex === '') errors.push(`${path}.regex: must not be empty`);
}

function checkHttpMatcher(matcher: HttpMatcher, path: string, errors: string[]): void {
  if (matcher.uri !== undefined) checkStringMatch(matcher.uri, `${path}.uri`, errors);
  (matcher.headers ?? []).forEach((header, i) => {
    if (header.name === '') errors.push(`${path}.headers[${i}].name: must not be empty`);
    if (header.regex === true && (header.value ?? '') === '') {
      errors.push(`${path}.headers[${i}].value: a regex match needs a value`);
    }
  });
  (matcher.queryParameters ?? []).forEach((query, i) => {
    if (query.name === '') errors.push(`${path}.queryParameters[${i}].name: must not be empty`);
    if (query.regex === true && (query.value ?? '') === '') {
      errors.push(`${path}.queryParameters[${i}].value: a regex match needs a value`);
    }
  });
  if (matcher.method !== undefined && matcher.method === '') errors.push(`${path}.method: must not be empty`);
}

export function checkTrafficPolicySpec(spec: TrafficPolicySpec): string[] {
  const errors: string[] = [];
  (spec.httpRequestMatchers ?? []).forEach((m, i) => {
    checkHttpMatcher(m, `spec.httpRequestMatchers[${i}]`, errors);
  });
  const policy = spec.policy;
  if (policy === undefined) return errors;
  const p = 'spec.policy';
  checkDuration(policy.requestTimeout, `${p}.requestTimeout`, errors);
  if (policy.retries !== undefined) {
    if ((policy.retries.attempts ?? 0) < 0) errors.push(`${p}.retries.attempts: must not be negative`);
    checkDuration(policy.retries.perTryTimeout, `${p}.retries.perTryTimeout`, errors);
  }
  const fault = policy.faultInjection;
  if (fault !== undefined) {
    if (fault.fixedDelay === undefined && fault.abort === undefined) {
      errors.push(`${p}.faultInjection: set fixedDelay or abort`);
    }
    checkDuration(fault.fixedDelay, `${p}.faultInjection.fixedDelay`, errors);
    const status = fault.abort?.httpStatus;
    if (status !== undefined && (status < 200 || status > 599)) {
      errors.push(
        `${p}.faultInjection.abort.httpStatus: must be an HTTP status from 200 to 599 (got ${String(status)})`,
      );
    }
  }
  if (policy.corsPolicy !== undefined) {
    (policy.corsPolicy.allowOrigins ?? []).forEach((origin, i) => {
      checkStringMatch(origin, `${p}.corsPolicy.allowOrigins[${i}]`, errors);
    });
    checkDuration(policy.corsPolicy.maxAge, `${p}.corsPolicy.maxAge`, errors);
  }
  if (policy.mirror !== undefined && policy.mirror.kubeService === undefined) {
    errors.push(`${p}.mirror.kubeService: a mirror needs a destination`);
  }
  if (policy.trafficShift !== undefined) {
    const destinations = policy.trafficShift.destinations ?? [];
    if (destinations.length === 0) errors.push(`${p}.trafficShift.destinations: needs at least one destination`);
    destinations.forEach((destination, i) => {
      const path = `${p}.trafficShift.destinations[${i}]`;
      const kinds = (['kubeService', 'virtualDestination', 'staticDestination', 'clusterHeader'] as const).filter(
        (k) => destination[k] !== undefined,
      );
      if (kinds.length === 0) errors.push(`${path}: set kubeService or virtualDestination`);
    });
    if (destinations.length > 1 && destinations.every((d) => (d.weight ?? 0) === 0)) {
      errors.push(`${p}.trafficShift.destinations: with several destinations, give at least one a weight`);
    }
  }
  if (policy.outlierDetection !== undefined) {
    checkDuration(policy.outlierDetection.interval, `${p}.outlierDetection.interval`, errors);
    checkDuration(policy.outlierDetection.baseEjectionTime, `${p}.outlierDetection.baseEjectionTime`, errors);
  }
  return errors;
}

export function checkAccessPolicySpec(spec: AccessPolicySpec): string[] {
  const errors: string[] = [];
  (spec.allowedPorts ?? []).forEach((port, i) => {
    if (port < 1 || port > 65535) errors.push(`spec.allowedPorts[${i}]: must be a port from 1 to 65535`);
  });
  (spec.allowedMethods ?? []).forEach((method, i) => {
    if (method === '') errors.push(`spec.allowedMethods[${i}]: must not be empty`);
  });
  (spec.allowedPaths ?? []).forEach((path, i) => {
    if (path === '') errors.push(`spec.allowedPaths[${i}]: must not be empty`);
  });
  (spec.sourceSelector ?? []).forEach((selector, i) => {
    (selector.kubeServiceAccountRefs?.serviceAccounts ?? []).forEach((ref, j) => {
      if (ref.name === '' && (ref.namespace ?? '') === '' && (ref.clusterName ?? '') === '') {
        errors.push(`spec.sourceSelector[${i}].kubeServiceAccountRefs.serviceAccounts[${j}]: names nothing`);
      }
    });
  });
  return errors;
}

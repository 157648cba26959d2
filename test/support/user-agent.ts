// Preloaded into a meshhub process by tests (NODE_OPTIONS=--import=<this file>) to make its requests
// distinguishable in API server audit logs: every HTTPS request without a User-Agent gets
// $MESHHUB_TEST_USER_AGENT. Two replicas with the same credentials can then be told apart.
import https from 'node:https';
import type { RequestOptions } from 'node:https';

const userAgent = process.env.MESHHUB_TEST_USER_AGENT;

function withAgent(options: RequestOptions): RequestOptions {
  const headers = (options.headers ?? {}) as Record<string, string>;
  if (Object.keys(headers).some((h) => h.toLowerCase() === 'user-agent')) return options;
  return { ...options, headers: { ...headers, 'User-Agent': userAgent ?? '' } };
}

if (userAgent !== undefined && userAgent !== '') {
  const original = https.request.bind(https) as (...args: unknown[]) => ReturnType<typeof https.request>;
  const patched = (...args: unknown[]) => {
    const [first, second] = args;
    if (typeof second === 'object' && second !== null && typeof second !== 'function') args[1] = withAgent(second);
    else if (typeof first === 'object' && first !== null && !(first instanceof URL)) args[0] = withAgent(first);
    else args.splice(1, 0, withAgent({}));
    return original(...args);
  };
  (https as { request: unknown }).request = patched;
}

// The states a certificate's expiry is shown in (certificate-expiry.ts decides which). On its own,
// without imports, so the dashboard's API schema (read by the web UI's type check too) can name them.
export const EXPIRY_STATES = ['issued', 'expiring', 'expired', 'not-issued', 'unknown'] as const;
export type ExpiryState = (typeof EXPIRY_STATES)[number];

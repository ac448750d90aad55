/**
 * Node's socket error codes that say a service could not be reached, or dropped the
 * connection: what the catalog and object storage clients turn into `UnavailableError`.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** Whether `code` (an error's `code`) is one of those. */
export function isNetworkCode(code: unknown): boolean {
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

/** Header names the service or the HTTP client owns: validation refuses them, delivery never lets them through. */

const RESERVED_HEADER_NAMES = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'user-agent',
]);

/** Why a custom header name is reserved, or null; `authorization` depends on the authentication (SPEC section 5). */
export function reservedHeaderReason(name: string): string | null {
  const lower = name.toLowerCase();
  if (RESERVED_HEADER_NAMES.has(lower)) return `${name} is set by the service and cannot be overridden`;
  if (lower.startsWith('webhook-')) return 'webhook-* headers are reserved for signing';
  return null;
}

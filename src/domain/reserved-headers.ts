/**
 * Header names the service or the HTTP client owns: validation refuses them, delivery never lets them
 * through (docs/contract.md#admin-api).
 */

const SERVICE_HEADER_NAMES = new Set(['host', 'content-length', 'content-type', 'user-agent']);
/**
 * Connection-level (hop-by-hop) headers: they describe one hop, not the message, and the HTTP client
 * refuses or rewrites them (undici throws on keep-alive, upgrade, expect, transfer-encoding).
 */
const HOP_BY_HOP_HEADER_NAMES = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'expect',
  'te',
  'trailer',
]);

/** Why a custom header name is reserved, or null; `authorization` depends on the authentication (docs/contract.md#admin-api). */
export function reservedHeaderReason(name: string): string | null {
  const lower = name.toLowerCase();
  if (SERVICE_HEADER_NAMES.has(lower)) return `${name} is set by the service and cannot be overridden`;
  if (HOP_BY_HOP_HEADER_NAMES.has(lower) || lower.startsWith('proxy-'))
    return `${name} is a connection-level header and cannot be sent per delivery`;
  if (lower.startsWith('webhook-')) return 'webhook-* headers are reserved for signing';
  return null;
}

/**
 * Opaque, tamper-checked pagination cursors. A cursor binds the store's page key to the tenant
 * and the query that produced it, so a cursor forged, edited, or replayed by another tenant or
 * with other filters answers 400 instead of leaking or skipping items.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationError } from './errors';
import type { PageKey } from './model';

const VERSION = 'c1';
const MAC_BYTES = 16;

/** What a cursor is bound to: who asked, and which list with which filters. */
export interface CursorScope {
  tenantId: string;
  /** The route and every filter except the cursor itself, e.g. `webhooks?status=active`. */
  query: string;
}

/** Encodes and checks cursors with an HMAC key (fetched lazily: on AWS it comes from Secrets Manager). */
export class CursorCodec {
  constructor(private readonly getKey: () => Promise<Buffer>) {}

  /** Turns a store page key into an opaque cursor for this scope. */
  async encode(pageKey: PageKey, scope: CursorScope): Promise<string> {
    const payload = Buffer.from(JSON.stringify({ k: pageKey, s: scopeDigest(scope) }), 'utf8');
    const mac = await this.mac(payload);
    return `${VERSION}.${payload.toString('base64url')}.${mac.toString('base64url')}`;
  }

  /** Returns the page key, or throws ValidationError naming `cursor` for anything not issued for this scope. */
  async decode(cursor: string, scope: CursorScope): Promise<PageKey> {
    const invalid = () =>
      new ValidationError('cursor is invalid', [
        { field: 'cursor', message: 'not a cursor this service issued for this query' },
      ]);
    const parts = cursor.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION || cursor.length > 4096) throw invalid();
    const payload = Buffer.from(parts[1] ?? '', 'base64url');
    const mac = Buffer.from(parts[2] ?? '', 'base64url');
    const expected = await this.mac(payload);
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw invalid();
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      throw invalid();
    }
    if (!isCursorPayload(parsed) || parsed.s !== scopeDigest(scope)) throw invalid();
    return parsed.k;
  }

  private async mac(payload: Buffer): Promise<Buffer> {
    return createHmac('sha256', await this.getKey())
      .update(payload)
      .digest()
      .subarray(0, MAC_BYTES);
  }
}

function scopeDigest(scope: CursorScope): string {
  return createHash('sha256').update(`${scope.tenantId}\n${scope.query}`).digest('base64url').slice(0, 22);
}

function isCursorPayload(value: unknown): value is { k: PageKey; s: string } {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.s === 'string' &&
    typeof record.k === 'object' &&
    record.k !== null &&
    !Array.isArray(record.k)
  );
}

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CursorCodec } from '#domain/cursor';
import { ValidationError } from '#domain/errors';

const codec = new CursorCodec(async () => randomBytes(32));
const fixedKey = randomBytes(32);
const cursors = new CursorCodec(async () => fixedKey);
const scope = { tenantId: 'acme', query: 'webhooks?status=active' };
const pageKey = { pk: 'T#acme', sk: 'WH#wh_01' };

describe('CursorCodec', () => {
  it('round-trips a page key for the same tenant and query', async () => {
    const cursor = await cursors.encode(pageKey, scope);
    expect(cursor).not.toContain('T#acme');
    await expect(cursors.decode(cursor, scope)).resolves.toEqual(pageKey);
  });

  it('refuses a cursor issued to another tenant or for other filters', async () => {
    const cursor = await cursors.encode(pageKey, scope);
    await expect(cursors.decode(cursor, { ...scope, tenantId: 'globex' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(
      cursors.decode(cursor, { ...scope, query: 'webhooks?status=inactive' }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('refuses edited, forged and malformed cursors, naming the field', async () => {
    const cursor = await cursors.encode(pageKey, scope);
    const [version, payload, mac] = cursor.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ k: { pk: 'T#globex', sk: 'WH#x' }, s: 'x' })).toString(
      'base64url',
    );
    const candidates = [
      `${version}.${forgedPayload}.${mac}`,
      `${version}.${payload}.${'A'.repeat(mac!.length)}`,
      'not-a-cursor',
      '',
      `${version}.${payload}`,
      await codec.encode(pageKey, scope),
    ];
    for (const candidate of candidates) {
      const error = await cursors.decode(candidate, scope).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details?.[0]?.field).toBe('cursor');
    }
  });
});

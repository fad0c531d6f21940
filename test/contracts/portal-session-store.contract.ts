/**
 * The contract of PortalSessionStore, run against the DynamoDB adapter (both stores) and the
 * in-memory fake: links are taken once, nothing is found past its expiry, generations only grow.
 */
import { describe, expect, it } from 'vitest';
import type { PortalGrant } from '#domain/portal';
import type { PortalSessionStore } from '#domain/ports';

const grant = (tenantId: string, overrides: Partial<PortalGrant> = {}): PortalGrant => ({
  tenantId,
  capabilities: ['read'],
  brandIds: null,
  sessionSeconds: 900,
  generation: 0,
  ...overrides,
});

let sequence = 0;
/** A digest no other case uses (the stores are shared by a file's cases). */
const digest = () => `digest-${process.pid}-${Date.now()}-${sequence++}`;

/** Declares the contract's cases for the store `make` builds. */
export function describePortalSessionStoreContract(name: string, make: () => PortalSessionStore): void {
  describe(`${name} (PortalSessionStore contract)`, () => {
    const now = new Date('2026-12-07T12:00:00.000Z');
    const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);

    it('gives a link back exactly once, with its grant', async () => {
      const store = make();
      const key = digest();
      const stored = grant('tenant-a', {
        capabilities: ['read', 'manage'],
        brandIds: ['b1', 'b2'],
        generation: 3,
      });
      await store.saveLink(key, stored, later(60));
      expect(await store.takeLink(key, now)).toEqual(stored);
      expect(await store.takeLink(key, now)).toBeUndefined();
      expect(await store.takeLink(digest(), now)).toBeUndefined();
    });

    it('lets only one of concurrent takes of a link win', async () => {
      const store = make();
      const key = digest();
      await store.saveLink(key, grant('tenant-a'), later(60));
      const taken = await Promise.all(Array.from({ length: 6 }, () => store.takeLink(key, now)));
      expect(taken.filter((result) => result !== undefined)).toHaveLength(1);
    });

    it('refuses a link at or past its expiry, even before the TTL removes it', async () => {
      const store = make();
      const key = digest();
      await store.saveLink(key, grant('tenant-a'), later(60));
      expect(await store.takeLink(key, later(60))).toBeUndefined();
      expect(await store.takeLink(key, later(61))).toBeUndefined();
    });

    it('finds a session until its expiry, not after', async () => {
      const store = make();
      const key = digest();
      const stored = grant('tenant-b', { brandIds: ['b1'] });
      await store.saveSession(key, stored, later(900));
      expect(await store.findSession(key, later(899))).toEqual({ grant: stored, expiresAt: later(900) });
      expect(await store.findSession(key, later(900))).toBeUndefined();
      expect(await store.findSession(digest(), now)).toBeUndefined();
    });

    it("counts each tenant's revocations on its own", async () => {
      const store = make();
      const tenant = `tenant-${sequence++}`;
      const other = `tenant-${sequence++}`;
      expect(await store.generation(tenant)).toBe(0);
      expect(await store.revoke(tenant)).toBe(1);
      expect(await store.revoke(tenant)).toBe(2);
      expect(await store.generation(tenant)).toBe(2);
      expect(await store.generation(other)).toBe(0);
    });
  });
}

/** The portal use cases over the in-memory store and a manual clock: lifetimes and their edges. */
import { describe, expect, it } from 'vitest';
import { authorizePortalSession, exchangePortalLink, mintPortalLink } from '#app/portal-sessions';
import { InMemoryPortalSessionStore, ManualClock } from '#test/support/in-memory-ports';

function portal() {
  const clock = new ManualClock('2026-12-07T12:00:00.000Z');
  const deps = {
    portalSessions: new InMemoryPortalSessionStore(),
    clock,
    consoleUrl: 'https://console.example.com',
  };
  const tokenOf = (url: string) => new URLSearchParams(new URL(url).hash.slice(1)).get('token')!;
  return { clock, deps, tokenOf };
}

describe('portal lifetimes', () => {
  it('refuses a link once its expiresIn has passed (401)', async () => {
    const { clock, deps, tokenOf } = portal();
    const link = await mintPortalLink(deps, { tenantId: 'tenant-a', capabilities: ['read'], expiresIn: 60 });
    expect(link.expiresAt).toBe('2026-12-07T12:01:00.000Z');
    clock.advance(60_000);
    await expect(exchangePortalLink(deps, { token: tokenOf(link.url) })).rejects.toMatchObject({
      code: 'unauthorized',
    });
  });

  it('opens a session that lives expiresIn seconds from the exchange, then authorises nothing', async () => {
    const { clock, deps, tokenOf } = portal();
    const link = await mintPortalLink(deps, { tenantId: 'tenant-a', capabilities: ['read'], expiresIn: 300 });
    clock.advance(200_000);
    const session = await exchangePortalLink(deps, { token: tokenOf(link.url) });
    expect(session.expiresAt).toBe('2026-12-07T12:08:20.000Z');
    const bearer = `Bearer ${session.sessionToken}`;
    clock.advance(299_000);
    expect(await authorizePortalSession(deps, bearer)).toMatchObject({ tenantId: 'tenant-a' });
    clock.advance(1_000);
    expect(await authorizePortalSession(deps, bearer)).toBeUndefined();
  });

  it('defaults to 900 s and keeps neither token in the store', async () => {
    const { deps, tokenOf } = portal();
    const link = await mintPortalLink(deps, { tenantId: 'tenant-a', capabilities: ['read'] });
    expect(link.expiresAt).toBe('2026-12-07T12:15:00.000Z');
    const token = tokenOf(link.url);
    const session = await exchangePortalLink(deps, { token });
    const stored = JSON.stringify([...deps.portalSessions.links, ...deps.portalSessions.sessions]);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(session.sessionToken);
  });
});

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AdminTokenRegistry, loadAdminTokens, parseAdminTokens } from '#local/admin-tokens';

describe('admin tokens', () => {
  it('maps bearer tokens to their tenants and refuses everything else', () => {
    const registry = new AdminTokenRegistry(
      parseAdminTokens('token-for-acme-0001=acme, token-for-globex-01=globex'),
    );
    expect(registry.authenticate('Bearer token-for-acme-0001')).toBe('acme');
    expect(registry.authenticate('bearer token-for-globex-01')).toBe('globex');
    for (const bad of [
      undefined,
      '',
      'Bearer',
      'Bearer token-for-acme-0002',
      'Basic token-for-acme-0001',
      'token-for-acme-0001',
    ]) {
      expect(registry.authenticate(bad)).toBeUndefined();
    }
  });

  it("accepts docs/contract.md#local-runtime's own example, short tokens included", () => {
    const tokens = parseAdminTokens('token1=tenantA,token2=tenantB');
    expect(tokens).toEqual([
      { token: 'token1', tenantId: 'tenantA' },
      { token: 'token2', tenantId: 'tenantB' },
    ]);
    expect(new AdminTokenRegistry(tokens).authenticate('Bearer token2')).toBe('tenantB');
  });

  it('rejects malformed ADMIN_TOKENS with a message naming the problem', () => {
    expect(() => parseAdminTokens('=acme')).toThrow(/entry 1 must be <token>=<tenant>/);
    expect(() => parseAdminTokens('ok-token=acme,two words=globex')).toThrow(/entry 2/);
    // The message never echoes the entry: it holds a secret.
    expect(() => parseAdminTokens('secret-in-entry acme')).toThrow(/^(?!.*secret-in).*entry 1/);
    expect(() => parseAdminTokens('token-for-acme-0001=bad tenant!')).toThrow(/tenant/);
    expect(() => parseAdminTokens(' , ')).toThrow(/names no token/);
  });

  it('makes one dev token for tenant default and keeps it across restarts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cw-tokens-'));
    const first = await loadAdminTokens(undefined, dataDir);
    const second = await loadAdminTokens('', dataDir);
    expect(first).toHaveLength(1);
    expect(first[0]?.tenantId).toBe('default');
    expect(first[0]?.token.length).toBeGreaterThanOrEqual(24);
    expect(second).toEqual(first);
  });
});

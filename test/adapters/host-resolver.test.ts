import { describe, expect, it } from 'vitest';
import { systemHostResolver } from '#adapters/host-resolver';

// Only names the machine answers itself (/etc/hosts): tests never query a DNS server.
describe('systemHostResolver', () => {
  it('resolves localhost to loopback addresses', async () => {
    const addresses = await systemHostResolver.resolve('localhost');
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) expect(['127.0.0.1', '::1']).toContain(address);
  });

  it('returns an IP literal as itself', async () => {
    expect(await systemHostResolver.resolve('127.0.0.1')).toEqual(['127.0.0.1']);
  });
});

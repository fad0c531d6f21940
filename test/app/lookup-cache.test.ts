import { describe, expect, it } from 'vitest';
import { LookupCache } from '#app/lookup-cache';

describe('LookupCache', () => {
  it('serves a hit without loading, and shares one load between concurrent misses', async () => {
    const cache = new LookupCache<string>({ ttlMs: 60_000 });
    let loads = 0;
    const load = async () => {
      loads++;
      return `value-${loads}`;
    };
    const [first, second] = await Promise.all([cache.get('k', load), cache.get('k', load)]);
    expect([first, second]).toEqual(['value-1', 'value-1']);
    expect(await cache.get('k', load)).toBe('value-1');
    expect(loads).toBe(1);
  });

  it('caches undefined (a missing webhook is a valid answer) but not failures', async () => {
    const cache = new LookupCache<string | undefined>({ ttlMs: 60_000 });
    expect(await cache.get('gone', async () => undefined)).toBeUndefined();
    expect(await cache.get('gone', async () => 'back')).toBeUndefined();

    await expect(cache.get('flaky', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('flaky', async () => 'up')).toBe('up');
  });

  it('loads every time when the TTL is 0', async () => {
    const cache = new LookupCache<number>({ ttlMs: 0 });
    let loads = 0;
    await cache.get('k', async () => ++loads);
    await cache.get('k', async () => ++loads);
    expect(loads).toBe(2);
  });

  it('lets a writer replace an entry', async () => {
    const cache = new LookupCache<string>({ ttlMs: 60_000 });
    await cache.get('k', async () => 'old');
    cache.set('k', 'new');
    expect(await cache.get('k', async () => 'loaded')).toBe('new');
  });
});

import { describe, expect, it } from 'vitest';
import { FreshReads, LookupCache } from '#app/lookup-cache';

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

describe('FreshReads', () => {
  it('never hands a caller a read that started before it asked, yet shares reads between waiting callers', async () => {
    const reads = new FreshReads<number>();
    let version = 1;
    let started = 0;
    const pending: (() => void)[] = [];
    // Each read captures the version when it starts and answers when the test lets it.
    const load = () => {
      started++;
      const seen = version;
      return new Promise<number>((resolve) => pending.push(() => resolve(seen)));
    };

    const first = reads.read('k', load);
    version = 2; // a write acknowledged while the first read is in flight
    const second = reads.read('k', load);
    const third = reads.read('k', load);
    expect(started).toBe(1);
    pending.shift()?.();
    expect(await first).toBe(1);
    // The callers who asked after the write share one new read, started after they asked.
    await Promise.resolve();
    expect(started).toBe(2);
    pending.shift()?.();
    expect(await second).toBe(2);
    expect(await third).toBe(2);
  });

  it('lets a failed read fail only its own callers; the queued ones get the next read', async () => {
    const reads = new FreshReads<string>();
    let calls = 0;
    const load = async () => {
      calls++;
      if (calls === 1) throw new Error('store down');
      return 'ok';
    };
    const failing = reads.read('k', load);
    const queued = reads.read('k', load);
    await expect(failing).rejects.toThrow('store down');
    expect(await queued).toBe('ok');
  });
});

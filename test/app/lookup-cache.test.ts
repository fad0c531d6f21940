import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coalesceWebhookReads, FreshBatchReads, FreshReads, LookupCache } from '#app/lookup-cache';
import { InMemoryWebhookRepository } from '../support/in-memory-ports';

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

describe('FreshBatchReads', () => {
  it('serves callers who ask together with one read, and callers who ask during a read with the next one', async () => {
    const versions = new Map([
      ['a', 1],
      ['b', 1],
    ]);
    const started: string[][] = [];
    const pending: (() => void)[] = [];
    const reads = new FreshBatchReads<string, string>((keys) => {
      started.push(keys);
      // Each read captures the versions when it starts and answers when the test lets it.
      const seen = keys.map((key) => `${key}${versions.get(key)}`);
      return new Promise((resolve) => pending.push(() => resolve(seen)));
    });

    const first = [reads.read('a'), reads.read('b'), reads.read('a')];
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([['a', 'b', 'a']]);
    versions.set('a', 2); // a write acknowledged while the first read is in flight
    const later = [reads.read('a'), reads.read('b')];
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toHaveLength(1);
    pending.shift()?.();
    expect(await Promise.all(first)).toEqual(['a1', 'b1', 'a1']);
    await Promise.resolve();
    expect(started).toEqual([
      ['a', 'b', 'a'],
      ['a', 'b'],
    ]);
    pending.shift()?.();
    expect(await Promise.all(later)).toEqual(['a2', 'b1']);
  });

  it('fails only the callers of a failed read; the queued ones get the next read', async () => {
    let calls = 0;
    let release!: () => void;
    const reads = new FreshBatchReads<string, string>(async (keys) => {
      calls++;
      if (calls === 1) {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        throw new Error('store down');
      }
      return keys.map((key) => `${key}-ok`);
    });
    const failing = reads.read('k');
    await new Promise((resolve) => setImmediate(resolve));
    const queued = reads.read('k');
    release();
    await expect(failing).rejects.toThrow('store down');
    expect(await queued).toBe('k-ok');
  });

  it('never answers with a value older than a write acknowledged before the caller asked (property)', async () => {
    // Writes, reads and read completions interleaved at random: every answer must show at least the
    // version written before its caller asked.
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('write', 'read-a', 'read-b', 'tick', 'finish'), { maxLength: 60 }),
        async (steps) => {
          const versions = new Map([
            ['a', 0],
            ['b', 0],
          ]);
          const inFlight: (() => void)[] = [];
          const reads = new FreshBatchReads<string, number>((keys) => {
            const seen = keys.map((key) => versions.get(key) ?? -1);
            return new Promise((resolve) => inFlight.push(() => resolve(seen)));
          });
          const answers: Promise<void>[] = [];
          for (const step of steps) {
            if (step === 'write') for (const [key, version] of versions) versions.set(key, version + 1);
            if (step === 'read-a' || step === 'read-b') {
              const key = step.slice(5);
              const asked = versions.get(key) ?? 0;
              answers.push(reads.read(key).then((value) => expect(value).toBeGreaterThanOrEqual(asked)));
            }
            if (step === 'tick') await new Promise((resolve) => setImmediate(resolve));
            if (step === 'finish') {
              inFlight.shift()?.();
              await Promise.resolve();
            }
          }
          // Let everything finish.
          for (let round = 0; round < 100 && (inFlight.length > 0 || answers.length > 0); round++) {
            await new Promise((resolve) => setImmediate(resolve));
            while (inFlight.length > 0) inFlight.shift()?.();
          }
          await Promise.all(answers);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('coalesceWebhookReads', () => {
  it('reads the webhooks the attempts of one batch ask for together, in one getMany', async () => {
    const repository = new InMemoryWebhookRepository();
    const webhook = (id: string) =>
      ({ id, tenantId: 't', name: id, status: 'active', version: 1 }) as unknown as Parameters<
        typeof repository.create
      >[0];
    await repository.create(webhook('wh_1'));
    await repository.create(webhook('wh_2'));
    const coalesced = coalesceWebhookReads(repository);
    const found = await Promise.all([
      coalesced.get('t', 'wh_1'),
      coalesced.get('t', 'wh_2'),
      coalesced.get('t', 'wh_1'),
      coalesced.get('t', 'wh_gone'),
    ]);
    expect(found.map((item) => item?.id)).toEqual(['wh_1', 'wh_2', 'wh_1', undefined]);
    expect(repository.batchReads).toBe(1);
    expect(repository.reads).toBe(0);
  });

  it("batches per tenant: one tenant's read never waits for another tenant's read in flight", async () => {
    const repository = new InMemoryWebhookRepository();
    const webhook = (tenantId: string, id: string) =>
      ({ id, tenantId, name: id, status: 'active', version: 1 }) as unknown as Parameters<
        typeof repository.create
      >[0];
    await repository.create(webhook('a', 'wh_a'));
    await repository.create(webhook('b', 'wh_b'));
    // Tenant a's batch read hangs until released (a read of hundreds of webhooks on a busy store).
    let releaseA: () => void = () => undefined;
    const aReleased = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    const asked: string[][] = [];
    const slowForA = Object.assign(Object.create(repository) as typeof repository, {
      getMany: async (refs: Parameters<typeof repository.getMany>[0]) => {
        asked.push(refs.map((ref) => ref.tenantId));
        if (refs.some((ref) => ref.tenantId === 'a')) await aReleased;
        return repository.getMany(refs);
      },
    });
    const coalesced = coalesceWebhookReads(slowForA);
    const readOfA = coalesced.get('a', 'wh_a');
    await new Promise((resolve) => setImmediate(resolve));
    // b asks while a's read is in flight: it gets its own read, at once, not the one after a's.
    expect((await coalesced.get('b', 'wh_b'))?.id).toBe('wh_b');
    expect(asked).toEqual([['a'], ['b']]);
    releaseA();
    expect((await readOfA)?.id).toBe('wh_a');
  });
});

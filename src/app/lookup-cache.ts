/**
 * Read helpers of the delivery path. Webhook and subscriber lookups are never served from a cache:
 * docs/contract.md#read-your-writes makes every admin change apply to the next event, on every Lambda environment and local
 * thread alike, so each lookup is a fresh (strongly consistent) store read. What keeps that cheap is
 * `FreshReads` and `FreshBatchReads`, which let concurrent callers share one read that started after
 * all of them asked.
 * `LookupCache` remains for values that cannot go stale, e.g. credentials keyed by webhook version.
 */

import { LRUCache } from 'lru-cache';
import type { StoredWebhook } from '#domain/model';
import type { Subscription, WebhookRef, WebhookRepository } from '#domain/ports';

const DEFAULT_MAX_ENTRIES = 10_000;

/** A read-through cache of one kind of lookup; a TTL of 0 turns caching off. */
export class LookupCache<V> {
  readonly #entries: LRUCache<string, { value: V }> | undefined;
  readonly #inFlight = new Map<string, Promise<V>>();
  /** How long an entry is kept unless `get` or `set` asks for less, in ms (0 or less: nothing is kept). */
  readonly ttlMs: number;

  constructor(options: { ttlMs: number; maxEntries?: number }) {
    this.ttlMs = options.ttlMs;
    if (options.ttlMs > 0) {
      this.#entries = new LRUCache({ max: options.maxEntries ?? DEFAULT_MAX_ENTRIES, ttl: options.ttlMs });
    }
  }

  /** The cached value of `key`, or what `load` gives (concurrent misses share one load). */
  async get(key: string, load: () => Promise<V>, options?: { ttlMs?: number }): Promise<V> {
    const cache = this.#entries;
    if (!cache) return load();
    const hit = cache.get(key);
    if (hit) return hit.value;
    const pending = this.#inFlight.get(key);
    if (pending) return pending;
    const loading = load().then(
      (value) => {
        this.#inFlight.delete(key);
        this.set(key, value, options);
        return value;
      },
      (error: unknown) => {
        this.#inFlight.delete(key);
        throw error;
      },
    );
    this.#inFlight.set(key, loading);
    return loading;
  }

  /** Replaces the cached value, e.g. after this process wrote a newer version. */
  set(key: string, value: V, options?: { ttlMs?: number }): void {
    const ttl = options?.ttlMs;
    if (ttl !== undefined && ttl <= 0) {
      this.#entries?.delete(key);
      return;
    }
    this.#entries?.set(key, { value }, ttl === undefined ? undefined : { ttl });
  }

  delete(key: string): void {
    this.#entries?.delete(key);
  }
}

/**
 * Coalesces reads of one key without ever serving an answer older than the caller's question: a
 * caller shares the read in flight only if that read started after it asked; otherwise it waits for
 * the next read, which starts as soon as the one in flight ends and serves every caller queued
 * meanwhile. So at most two reads per key are ever pending, and each answer reflects every write
 * acknowledged before its caller asked (read-your-writes, docs/contract.md#read-your-writes), across processes too.
 */
export class FreshReads<V> {
  readonly #keys = new Map<
    string,
    { next?: { promise: Promise<V>; resolve: (value: V) => void; reject: (error: unknown) => void } }
  >();

  /** The result of a `load` that started no earlier than this call. */
  read(key: string, load: () => Promise<V>): Promise<V> {
    const state = this.#keys.get(key);
    if (!state) return this.#start(key, load);
    if (!state.next) {
      let resolve!: (value: V) => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<V>((onValue, onError) => {
        resolve = onValue;
        reject = onError;
      });
      state.next = { promise, resolve, reject };
    }
    return state.next.promise;
  }

  #start(key: string, load: () => Promise<V>): Promise<V> {
    const state: {
      next?: { promise: Promise<V>; resolve: (value: V) => void; reject: (error: unknown) => void };
    } = {};
    this.#keys.set(key, state);
    const running = (async () => load())();
    const settle = (): void => {
      this.#keys.delete(key);
      const queued = state.next;
      if (!queued) return;
      // Starts after every queued caller asked, so its answer is fresh enough for all of them.
      this.#start(key, load).then(queued.resolve, queued.reject);
    };
    running.then(settle, settle);
    return running;
  }
}

/** A caller waiting for the next batched read. */
interface BatchCaller<K, V> {
  key: K;
  resolve: (value: V) => void;
  reject: (error: unknown) => void;
}

/**
 * Batches reads of many keys without ever serving an answer older than the caller's question, as
 * FreshReads does for one key: callers who ask while no read runs are gathered until the event loop
 * has run what was already due (the records of one delivery batch ask together), then one `loadMany`
 * serves them all; callers who ask while a read runs wait for the next one, which starts as soon as
 * that read ends. So at most one read is in flight, every answer comes from a read that started after
 * its caller asked (read-your-writes, docs/contract.md#read-your-writes), and a busy process reads each webhook far less than
 * once per attempt.
 */
export class FreshBatchReads<K, V> {
  readonly #loadMany: (keys: K[]) => Promise<V[]>;
  #next: BatchCaller<K, V>[] = [];
  #isReading = false;
  #isScheduled = false;

  /** `loadMany` answers in the order of its keys. */
  constructor(loadMany: (keys: K[]) => Promise<V[]>) {
    this.#loadMany = loadMany;
  }

  /** The value of `key` from a read that started no earlier than this call. */
  read(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      this.#next.push({ key, resolve, reject });
      if (!this.#isReading && !this.#isScheduled) {
        this.#isScheduled = true;
        setImmediate(() => {
          this.#isScheduled = false;
          this.#start();
        });
      }
    });
  }

  #start(): void {
    const callers = this.#next;
    if (callers.length === 0) return;
    this.#next = [];
    this.#isReading = true;
    const settle = (): void => {
      this.#isReading = false;
      // Everyone queued meanwhile asked before this new read starts: its answer is fresh enough for them.
      this.#start();
    };
    (async () => this.#loadMany(callers.map((caller) => caller.key)))().then(
      (values) => {
        for (const [index, caller] of callers.entries()) caller.resolve(values[index] as V);
        settle();
      },
      (error: unknown) => {
        for (const caller of callers) caller.reject(error);
        settle();
      },
    );
  }
}

/**
 * Tenants whose batched webhook reads are kept, least recently used out. Dropping one is safe: its
 * read in flight still answers its callers, and the tenant's next caller starts a new batch.
 */
const COALESCED_TENANTS = 1024;

/**
 * The webhook repository with its two hot reads coalesced: `get` (and `getMany`) through one
 * FreshBatchReads per tenant, so the attempts of a delivery batch, and of every batch that asks while
 * a read is in flight, share one consistent BatchGetItem per tenant; `findSubscribers` through
 * FreshReads. Every other call goes straight through. Answers are exactly as fresh as uncoalesced
 * reads. Per tenant (docs/contract.md#isolation): with one batch for everyone, a batch of one
 * tenant's hundreds of deliveries made a read of hundreds of webhooks, and another tenant's single
 * read waited for the read after it (250–1,200 ms of tenant B's publish → receipt in `npm run
 * bench:load-held`).
 */
export function coalesceWebhookReads(repository: WebhookRepository): WebhookRepository {
  const webhookReads = new LRUCache<string, FreshBatchReads<WebhookRef, StoredWebhook | undefined>>({
    max: COALESCED_TENANTS,
  });
  const readsOf = (tenantId: string) => {
    let reads = webhookReads.get(tenantId);
    if (!reads) {
      reads = new FreshBatchReads((refs) => repository.getMany(refs));
      webhookReads.set(tenantId, reads);
    }
    return reads;
  };
  const subscribers = new FreshReads<string[]>();
  const subscriptions = new FreshReads<Subscription[]>();
  return {
    create: (webhook, options) => repository.create(webhook, options),
    get: (tenantId, webhookId) => readsOf(tenantId).read({ tenantId, webhookId }),
    getMany: (refs) => Promise.all(refs.map((ref) => readsOf(ref.tenantId).read(ref))),
    list: (tenantId, query) => repository.list(tenantId, query),
    update: (webhook, expectedVersion) => repository.update(webhook, expectedVersion),
    delete: (tenantId, webhookId) => repository.delete(tenantId, webhookId),
    findSubscribers: (tenantId, eventType, brandId) =>
      subscribers.read(JSON.stringify([tenantId, eventType, brandId]), () =>
        repository.findSubscribers(tenantId, eventType, brandId),
      ),
    findSubscriptions: (tenantId, eventType, brandId) =>
      subscriptions.read(JSON.stringify([tenantId, eventType, brandId]), () =>
        repository.findSubscriptions(tenantId, eventType, brandId),
      ),
  };
}

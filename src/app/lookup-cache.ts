/**
 * Read helpers of the delivery path. Webhook and subscriber lookups are never served from a cache:
 * SPEC 6.1 makes every admin change apply to the next event, on every Lambda environment and local
 * thread alike, so each lookup is a fresh (strongly consistent) store read. What keeps that cheap is
 * `FreshReads`, which lets concurrent callers share one read that started after all of them asked.
 * `LookupCache` remains for values that cannot go stale, e.g. credentials keyed by webhook version.
 */

import { LRUCache } from 'lru-cache';
import type { StoredWebhook } from '#domain/model';
import type { WebhookRepository } from '#domain/ports';

const DEFAULT_MAX_ENTRIES = 10_000;

/** A read-through cache of one kind of lookup; a TTL of 0 turns caching off. */
export class LookupCache<V> {
  readonly #entries: LRUCache<string, { value: V }> | undefined;
  readonly #inFlight = new Map<string, Promise<V>>();

  constructor(options: { ttlMs: number; maxEntries?: number }) {
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
 * acknowledged before its caller asked (read-your-writes, SPEC 6.1), across processes too.
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

/**
 * The webhook repository with its two hot reads (`get`, `findSubscribers`) coalesced by FreshReads;
 * every other call goes straight through. Answers are exactly as fresh as uncoalesced reads.
 */
export function coalesceWebhookReads(repository: WebhookRepository): WebhookRepository {
  const webhooks = new FreshReads<StoredWebhook | undefined>();
  const subscribers = new FreshReads<string[]>();
  return {
    create: (webhook) => repository.create(webhook),
    get: (tenantId, webhookId) =>
      webhooks.read(JSON.stringify([tenantId, webhookId]), () => repository.get(tenantId, webhookId)),
    list: (tenantId, query) => repository.list(tenantId, query),
    update: (webhook, expectedVersion) => repository.update(webhook, expectedVersion),
    delete: (tenantId, webhookId) => repository.delete(tenantId, webhookId),
    findSubscribers: (tenantId, eventType, brandId) =>
      subscribers.read(JSON.stringify([tenantId, eventType, brandId]), () =>
        repository.findSubscribers(tenantId, eventType, brandId),
      ),
  };
}

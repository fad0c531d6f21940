/**
 * Bounded-staleness caches for the pipeline's hot lookups (subscribers, webhooks, credentials):
 * without them every delivery would cost store reads, which caps throughput (FACTS.md).
 */

import { LRUCache } from 'lru-cache';
import type { StoredWebhook } from '#domain/model';
import type { Services } from './services';

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
 * Makes a per-Services cache accessor: each Services bag (one per process on AWS, one per test)
 * gets its own cache, so tests never see each other's entries.
 */
export function cachePerServices<V>(
  ttlMs: (services: Services) => number,
): (services: Services) => LookupCache<V> {
  const caches = new WeakMap<Services, LookupCache<V>>();
  return (services) => {
    let cache = caches.get(services);
    if (!cache) {
      cache = new LookupCache<V>({ ttlMs: ttlMs(services) });
      caches.set(services, cache);
    }
    return cache;
  };
}

const webhookCache = cachePerServices<StoredWebhook | undefined>(
  (services) => services.config.LOOKUP_CACHE_TTL_MS,
);

function webhookKey(tenantId: string, webhookId: string): string {
  return `${tenantId}/${webhookId}`;
}

/** A webhook as recently read (at most LOOKUP_CACHE_TTL_MS old); undefined when it does not exist. */
export function getWebhookCached(
  services: Services,
  tenantId: string,
  webhookId: string,
): Promise<StoredWebhook | undefined> {
  return webhookCache(services).get(webhookKey(tenantId, webhookId), () =>
    services.webhooks.get(tenantId, webhookId),
  );
}

/** Records a webhook this process just wrote or re-read, so later lookups see it. */
export function rememberWebhook(services: Services, webhook: StoredWebhook): void {
  webhookCache(services).set(webhookKey(webhook.tenantId, webhook.id), webhook);
}

/** Forgets a webhook this process just deleted, so later lookups in this process miss it at once. */
export function forgetWebhook(services: Services, tenantId: string, webhookId: string): void {
  webhookCache(services).set(webhookKey(tenantId, webhookId), undefined);
}

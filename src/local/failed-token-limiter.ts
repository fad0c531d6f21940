/**
 * Failed token attempts on the admin API, limited per source address (docs/contract.md#limits): the
 * local stand-in for the edge that refuses a bad token on AWS. A source that presents wrong tokens
 * gets `burst` tries at once, then one more every `refillSeconds`; past that every request of that
 * source that carries a token answers 429 with `Retry-After` and its token is not even checked, so
 * guessing a weak ADMIN_TOKENS entry costs real time. Good tokens never spend anything.
 *
 * Keyed by the connection's address only (never X-Forwarded-For, which the caller writes), so one
 * source cannot spend another's tries: an attacker at one address does not lock a tenant at another
 * out. An IPv6 source counts by its /64 (one host usually holds the whole /64) and all of loopback
 * counts as one source (any local process may bind 127.0.0.2 … 127.255.255.254): on one machine the
 * local processes share one budget, so a local guesser holds the local console back too, for at most
 * `Retry-After` once it stops. Memory is bounded: at most MAX_SOURCES buckets, the least recently
 * failing forgotten first (forgetting a bucket only gives its source a fresh burst).
 */
import ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';

/** A token bucket of failed attempts: `burst` at once, then one more every `refillSeconds`. */
export interface FailedTokenRule {
  burst: number;
  refillSeconds: number;
}

/** 10 wrong tokens at once, then one every 3 s (20 a minute): a person who mistyped never meets it. */
export const DEFAULT_FAILED_TOKEN_RULE: FailedTokenRule = { burst: 10, refillSeconds: 3 };

const MAX_SOURCES = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

export class FailedTokenLimiter {
  readonly #buckets = new LRUCache<string, Bucket>({ max: MAX_SOURCES });

  constructor(
    private readonly rule: FailedTokenRule = DEFAULT_FAILED_TOKEN_RULE,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds `address` must wait before its next token is checked, or undefined when it may try now. */
  retryAfter(address: string | undefined): number | undefined {
    const bucket = this.#buckets.peek(sourceOf(address));
    if (!bucket) return undefined;
    const tokens = this.#refilled(bucket);
    return tokens >= 1 ? undefined : Math.max(1, Math.ceil((1 - tokens) * this.rule.refillSeconds));
  }

  /** Counts one wrong token presented from `address`. */
  fail(address: string | undefined): void {
    const key = sourceOf(address);
    const bucket = this.#buckets.get(key);
    const tokens = bucket ? this.#refilled(bucket) : this.rule.burst;
    this.#buckets.set(key, { tokens: Math.max(0, tokens - 1), at: this.now() });
  }

  #refilled(bucket: Bucket): number {
    return Math.min(
      this.rule.burst,
      bucket.tokens + (this.now() - bucket.at) / (this.rule.refillSeconds * 1000),
    );
  }
}

/** The source a connection's address counts as: IPv4 as is, IPv6 by its /64, all loopback as one. */
export function sourceOf(address: string | undefined): string {
  if (address === undefined || !ipaddr.isValid(address)) return 'unknown';
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  if (parsed.range() === 'loopback') return 'loopback';
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((part) => part.toString(16)).join(':')}::/64`;
}

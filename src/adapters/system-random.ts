/**
 * The one source of real randomness behind the random port (`RandomSource`, src/domain/ports.ts):
 * jitter of retries, postponements and store backoffs. Every other module takes its numbers from
 * this port as injected, so a test seeds them; test/architecture.test.ts keeps `Math.random` here alone.
 */
import type { RandomSource } from '#domain/ports';

/** Uniform numbers in [0, 1) from the platform's generator (not for secrets: ids and keys use node:crypto). */
export const systemRandom: RandomSource = () => Math.random();

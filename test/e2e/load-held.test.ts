/**
 * docs/contract.md#limits, "load held": tenant A at its webhook limit, every webhook with the largest
 * secrets the API accepts (4 KiB bearer token, 20 custom headers filling 8 KiB, two signing secrets),
 * publishes the largest events PutEvents takes, on the receiving host tenant B uses too. Before the
 * limits, 700 such webhooks and one event ran the process out of memory. Here the process keeps
 * running (/health 200 after), every delivery of A arrives, and B is served throughout. No time is
 * asserted: `npm run bench:load-held` measures B's latency and the peak memory (bench/RESULTS.md).
 */
import { expect, it } from 'vitest';
import { runLoadHeld } from '#bench/load-held';

it('keeps serving tenant B and stays up while tenant A, at its limit with the largest secrets, publishes the largest events', {
  timeout: 300_000,
}, async () => {
  const result = await runLoadHeld({ webhooks: 25, aEvents: 3, bEvents: 15, bEventsPerSecond: 10 });
  expect(result.aEventBytes).toBeGreaterThan(255 * 1024);
  expect(result.aDeliveriesReceived).toBe(result.aDeliveriesExpected);
  expect(result.bReceived).toBe(result.bEvents);
  expect(result.healthyAfter).toBe(true);
  console.info(
    `load held (${result.webhooks} worst-case webhooks × ${result.aEvents} events of ${result.aEventBytes} B): B p99 ${result.bLatencyMs.p99} ms, peak RSS ${result.peakRssMiB} MiB`,
  );
});

import { describe, expect, it } from 'vitest';
import { PRICES } from '#bench/prices';
import { formatQueueFeatureCosts, queueFeatureCosts } from '#bench/queue-feature-cost';

describe('what fair queues and ordering add per million deliveries', () => {
  it('adds nothing for fair queues and prices ordered deliveries as FIFO messages of their own', () => {
    const [standard, fair, busy, sparse] = queueFeatureCosts(0.25, 5);
    expect(standard?.usdPerMillionDeliveries).toBeCloseTo(0.25 * 0.4);
    expect(fair?.addedUsdPerMillionDeliveries).toBe(0);
    // One SendMessageBatch per event of five ordered deliveries (0.2), a receive and a delete per ten (0.2).
    expect(busy?.sqsRequestsPerDelivery).toBeCloseTo(0.4);
    expect(busy?.usdPerMillionDeliveries).toBeCloseTo(0.4 * PRICES.sqsFifoRequests.usd * 1e6);
    // Against the same deliveries unordered in full batches: only FIFO's higher price.
    expect(busy?.addedUsdPerMillionDeliveries).toBeCloseTo(0.4 * (0.5 - 0.4));
    // Sparse conversations: every receive and delete carries one message.
    expect(sparse?.sqsRequestsPerDelivery).toBeCloseTo(2.2);
    expect(sparse?.usdPerMillionDeliveries).toBeCloseTo(1.1);
    expect(sparse?.addedUsdPerMillionDeliveries).toBeCloseTo(1.1 - 0.4 * 0.4);
  });

  it('prints the prices it used and one line per configuration', () => {
    const text = formatQueueFeatureCosts(0.25, 5);
    expect(text).toContain('FIFO $0.50/M');
    expect(text).toContain('standard $0.40/M');
    expect(text).toMatch(/fair queues .* \+0\.000/);
  });
});

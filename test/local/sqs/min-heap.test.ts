import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MinHeap } from '#local/sqs/min-heap';

describe('MinHeap', () => {
  it('pops every pushed item in ascending order, ties in push order when the comparator says so', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (keys) => {
        const heap = new MinHeap<{ key: number; order: number }>(
          (left, right) => left.key - right.key || left.order - right.order,
        );
        for (const [order, key] of keys.entries()) heap.push({ key, order });
        const popped: { key: number; order: number }[] = [];
        for (let item = heap.pop(); item; item = heap.pop()) popped.push(item);
        const expected = keys
          .map((key, order) => ({ key, order }))
          .sort((a, b) => a.key - b.key || a.order - b.order);
        expect(popped).toEqual(expected);
        expect(heap.size).toBe(0);
      }),
    );
  });
});

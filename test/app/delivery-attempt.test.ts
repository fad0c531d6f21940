import { describe, expect, it } from 'vitest';
import { deliveryScrubbersFor, MASK_SLICE_MS, maskHeadersInSlices } from '#app/delivery-attempt';
import { DeliveryCredentials } from '#domain/delivery-request';
import { maskRequestHeaders } from '#domain/secret-masking';
import { SCRUBBED } from '#domain/secret-scrubber';
import { generateSigningSecret } from '#domain/signing';

describe('deliveryScrubbersFor (bounded per-delivery work, docs/contract.md#limits)', () => {
  it('shares one scrubber among the deliveries that use the same credentials, and scrubs their secrets', () => {
    const token = 'tok_'.padEnd(4096, 'Zq9');
    const credentials = new DeliveryCredentials([generateSigningSecret()], { type: 'bearer', token });
    const { scrub, scrubHeader } = deliveryScrubbersFor(credentials);
    expect(deliveryScrubbersFor(credentials).scrub).toBe(scrub);
    expect(deliveryScrubbersFor(credentials).scrubHeader).toBe(scrubHeader);
    expect(scrubHeader(`echo ${token} done`)).toBe(`echo ${SCRUBBED} done`);
    expect(scrub(`echo ${token} done`)).toBe(`echo ${SCRUBBED} done`);
    // Remembered answers are the same answers.
    expect(scrub(`echo ${token} done`)).toBe(`echo ${SCRUBBED} done`);
    // Other credentials (a rotation, an edit: a new cache entry) get their own.
    const rotated = new DeliveryCredentials([generateSigningSecret()], {
      type: 'bearer',
      token: 'other-token',
    });
    expect(deliveryScrubbersFor(rotated).scrub).not.toBe(scrub);
    expect(deliveryScrubbersFor(rotated).scrub(`echo ${token}`)).toBe(`echo ${token}`);
  });

  it('keeps the scrubbers of a bounded number of credentials, the least recently used going first', () => {
    const first = new DeliveryCredentials([generateSigningSecret()], null);
    const kept = deliveryScrubbersFor(first);
    // 200 other webhooks' credentials: more than are kept, so the first one's scrubber is rebuilt.
    for (let index = 0; index < 200; index++)
      deliveryScrubbersFor(new DeliveryCredentials([generateSigningSecret()], null));
    expect(deliveryScrubbersFor(first)).not.toBe(kept);
    // In use all along, it stays.
    const again = deliveryScrubbersFor(first);
    for (let index = 0; index < 50; index++) {
      deliveryScrubbersFor(new DeliveryCredentials([generateSigningSecret()], null));
      deliveryScrubbersFor(first);
    }
    expect(deliveryScrubbersFor(first)).toBe(again);
  });
});

describe('maskHeadersInSlices (bounded per-delivery work, docs/contract.md#limits)', () => {
  const credentials = new DeliveryCredentials([generateSigningSecret()], {
    type: 'bearer',
    token: 'tok_'.padEnd(64, 'Zq9'),
  });
  const headers = Object.fromEntries([
    ['authorization', `Bearer ${'tok_'.padEnd(64, 'Zq9')}`],
    ['webhook-id', 'evt_1'],
    ...Array.from({ length: 5 }, (_, index) => [`x-custom-${index}`, `value ${index} tok_Zq9Zq9Zq9Zq9`]),
  ]);

  /** Masks while a loop turn marks itself each time round; returns the masked headers and the order of scrubs and turns. */
  async function maskWhileTurning(msPerScrub: number) {
    let nowMs = 0;
    const clock = { now: () => new Date(nowMs) };
    const order: string[] = [];
    const { scrubHeader } = deliveryScrubbersFor(credentials);
    const scrubbing = (text: string) => {
      order.push('scrub');
      nowMs += msPerScrub;
      return scrubHeader(text);
    };
    let turning = true;
    const mark = () => {
      if (!turning) return;
      order.push('turn');
      setImmediate(mark);
    };
    setImmediate(mark);
    const masked = await maskHeadersInSlices(headers, credentials, scrubbing, clock);
    turning = false;
    return { masked, order: order.slice(0, order.lastIndexOf('scrub') + 1) };
  }

  it('gives the loop a turn once a slice of scrubbing has passed, and answers as the one-go masking', async () => {
    const { masked, order } = await maskWhileTurning(MASK_SLICE_MS);
    expect(masked).toEqual(
      maskRequestHeaders(headers, credentials, deliveryScrubbersFor(credentials).scrubHeader),
    );
    expect(masked.authorization).toBe('Bearer ****');
    // Each scrub fills a slice: a turn of the loop between any two.
    const scrubs = order.flatMap((entry, index) => (entry === 'scrub' ? [index] : []));
    expect(scrubs.length).toBeGreaterThanOrEqual(5);
    for (let next = 1; next < scrubs.length; next++)
      expect(order.slice(scrubs[next - 1], scrubs[next])).toContain('turn');
  });

  it('masks in one go while scrubbing stays within a slice', async () => {
    const { masked, order } = await maskWhileTurning(0);
    expect(masked).toEqual(
      maskRequestHeaders(headers, credentials, deliveryScrubbersFor(credentials).scrubHeader),
    );
    expect(order).not.toContain('turn');
  });
});

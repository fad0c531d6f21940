import { describe, expect, it } from 'vitest';
import { deliveryScrubbersFor } from '#app/delivery-attempt';
import { DeliveryCredentials } from '#domain/delivery-request';
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

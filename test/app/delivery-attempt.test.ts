import { describe, expect, it } from 'vitest';
import { deliveryScrubberFor } from '#app/delivery-attempt';
import { DeliveryCredentials } from '#domain/delivery-request';
import { SCRUBBED } from '#domain/secret-scrubber';
import { generateSigningSecret } from '#domain/signing';

describe('deliveryScrubberFor (bounded per-delivery work, docs/contract.md#limits)', () => {
  it('shares one scrubber among the deliveries that use the same credentials, and scrubs their secrets', () => {
    const token = 'tok_'.padEnd(4096, 'Zq9');
    const credentials = new DeliveryCredentials([generateSigningSecret()], { type: 'bearer', token });
    const scrub = deliveryScrubberFor(credentials);
    expect(deliveryScrubberFor(credentials)).toBe(scrub);
    expect(scrub(`echo ${token} done`)).toBe(`echo ${SCRUBBED} done`);
    // Remembered answers are the same answers.
    expect(scrub(`echo ${token} done`)).toBe(`echo ${SCRUBBED} done`);
    // Other credentials (a rotation, an edit: a new cache entry) get their own.
    const rotated = new DeliveryCredentials([generateSigningSecret()], {
      type: 'bearer',
      token: 'other-token',
    });
    expect(deliveryScrubberFor(rotated)).not.toBe(scrub);
    expect(deliveryScrubberFor(rotated)(`echo ${token}`)).toBe(`echo ${token}`);
  });
});

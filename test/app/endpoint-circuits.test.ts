import { describe, expect, it } from 'vitest';
import { createDeliveryAdmission, webhookKeyOf } from '#app/endpoint-circuits';
import { loadConfig } from '#config';
import { ManualClock } from '../support/in-memory-ports';

function admissionFor(overrides: Partial<ReturnType<typeof loadConfig>> = {}) {
  const clock = new ManualClock();
  const config = {
    ...loadConfig({}),
    MAX_CONCURRENCY_PER_ENDPOINT: 2,
    CIRCUIT_FAILURE_THRESHOLD: 2,
    ...overrides,
  };
  return { admission: createDeliveryAdmission(config, clock), clock, config };
}

describe('InProcessDeliveryAdmission', () => {
  it('holds at most MAX_CONCURRENCY_PER_ENDPOINT slots per webhook, and each webhook has its own', () => {
    const { admission } = admissionFor();
    const a = webhookKeyOf('tenant-1', 'wh_a');
    const b = webhookKeyOf('tenant-2', 'wh_b');
    const first = admission.admit(a);
    const second = admission.admit(a);
    expect([first.isAdmitted, second.isAdmitted]).toEqual([true, true]);
    expect(admission.admit(a)).toEqual({ isAdmitted: false, reason: 'slots-busy' });
    // Another webhook (same host or not) is not affected.
    expect(admission.admit(b).isAdmitted).toBe(true);
    if (first.isAdmitted) first.lease.release('up');
    expect(admission.admit(a).isAdmitted).toBe(true);
  });

  it('opens one webhook’s circuit on its own failures only; a refusal holds no slot', () => {
    const { admission, clock, config } = admissionFor();
    const failing = webhookKeyOf('tenant-2', 'wh_b');
    const healthy = webhookKeyOf('tenant-1', 'wh_a');
    for (let index = 0; index < 2; index++) {
      const admitted = admission.admit(failing);
      if (!admitted.isAdmitted) throw new Error('expected a slot');
      admitted.lease.release('down');
    }
    const refused = admission.admit(failing);
    expect(refused).toMatchObject({ isAdmitted: false, reason: 'circuit-open' });
    expect(admission.busyWebhooks).toBe(0);
    expect(admission.admit(healthy).isAdmitted).toBe(true);

    clock.advance(config.CIRCUIT_COOLDOWN_MS);
    const probe = admission.admit(failing);
    expect(probe.isAdmitted).toBe(true);
    if (probe.isAdmitted) expect(probe.lease.release('up')).toEqual({ before: 'half-open', after: 'closed' });
  });

  it('an attempt without a verdict (sender failure) neither opens nor closes a circuit', () => {
    const { admission } = admissionFor({ CIRCUIT_FAILURE_THRESHOLD: 1 });
    const key = webhookKeyOf('tenant-1', 'wh_a');
    for (let index = 0; index < 5; index++) {
      const admitted = admission.admit(key);
      if (!admitted.isAdmitted) throw new Error('expected a slot');
      expect(admitted.lease.release('unknown')).toEqual({ before: 'closed', after: 'closed' });
    }
    expect(admission.admit(key).isAdmitted).toBe(true);
  });
});

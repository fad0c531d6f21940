import { describe, expect, it } from 'vitest';
import { createDeliveryAdmission, webhookKeyOf } from '#app/endpoint-circuits';
import { admissionLimitsOf } from '#composition/settings';
import { loadConfig } from '#config';
import { ManualClock } from '../support/in-memory-ports';

function admissionFor(overrides: Partial<ReturnType<typeof loadConfig>> = {}, slotWaitMs = 0) {
  const clock = new ManualClock();
  const config = {
    ...loadConfig({}),
    MAX_CONCURRENCY_PER_ENDPOINT: 2,
    CIRCUIT_FAILURE_THRESHOLD: 2,
    ...overrides,
  };
  return {
    admission: createDeliveryAdmission(admissionLimitsOf(config), clock, { slotWaitMs }),
    clock,
    config,
  };
}

/** What `admission` settled to once pending callbacks ran (the test clock stands still), or 'pending'. */
const settledAtOnce = <T>(admission: Promise<T>) =>
  Promise.race([admission, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))]);

describe('InProcessDeliveryAdmission', () => {
  it('holds at most MAX_CONCURRENCY_PER_ENDPOINT slots per webhook, and each webhook has its own', async () => {
    const { admission } = admissionFor();
    const a = webhookKeyOf('tenant-1', 'wh_a');
    const b = webhookKeyOf('tenant-2', 'wh_b');
    const first = await admission.admit(a);
    const second = await admission.admit(a);
    expect([first.isAdmitted, second.isAdmitted]).toEqual([true, true]);
    expect(await admission.admit(a)).toMatchObject({ isAdmitted: false, reason: 'slots-busy' });
    // Another webhook (same host or not) is not affected.
    expect((await admission.admit(b)).isAdmitted).toBe(true);
    if (first.isAdmitted) first.lease.release('up');
    expect((await admission.admit(a)).isAdmitted).toBe(true);
  });

  it('opens one webhook’s circuit on its own failures only; a refusal holds no slot', async () => {
    const { admission, clock, config } = admissionFor();
    const failing = webhookKeyOf('tenant-2', 'wh_b');
    const healthy = webhookKeyOf('tenant-1', 'wh_a');
    for (let index = 0; index < 2; index++) {
      const admitted = await admission.admit(failing);
      if (!admitted.isAdmitted) throw new Error('expected a slot');
      admitted.lease.release('down');
    }
    const refused = await admission.admit(failing);
    expect(refused).toMatchObject({ isAdmitted: false, reason: 'circuit-open' });
    expect(admission.busyWebhooks).toBe(0);
    expect((await admission.admit(healthy)).isAdmitted).toBe(true);

    clock.advance(config.CIRCUIT_COOLDOWN_MS);
    const probe = await admission.admit(failing);
    expect(probe.isAdmitted).toBe(true);
    if (probe.isAdmitted) expect(probe.lease.release('up')).toEqual({ before: 'half-open', after: 'closed' });
  });

  it('an attempt without a verdict (sender failure) neither opens nor closes a circuit', async () => {
    const { admission } = admissionFor({ CIRCUIT_FAILURE_THRESHOLD: 1 });
    const key = webhookKeyOf('tenant-1', 'wh_a');
    for (let index = 0; index < 5; index++) {
      const admitted = await admission.admit(key);
      if (!admitted.isAdmitted) throw new Error('expected a slot');
      expect(admitted.lease.release('unknown')).toEqual({ before: 'closed', after: 'closed' });
    }
    expect((await admission.admit(key)).isAdmitted).toBe(true);
  });

  it('lets a burst to a fast webhook wait in memory for a slot, but refuses at once when its endpoint is slow', async () => {
    const { admission, clock } = admissionFor({ MAX_CONCURRENCY_PER_ENDPOINT: 1 }, 1_000);
    const fast = webhookKeyOf('tenant-1', 'wh_fast');
    const first = await admission.admit(fast);
    if (!first.isAdmitted) throw new Error('expected a slot');
    first.lease.release('up'); // a quick attempt: the average duration is a few ms
    const holding = await admission.admit(fast);
    if (!holding.isAdmitted) throw new Error('expected a slot');
    const waiting = admission.admit(fast);
    holding.lease.release('up');
    expect(await waiting).toMatchObject({ isAdmitted: true });

    const slow = webhookKeyOf('tenant-2', 'wh_slow');
    const slowFirst = await admission.admit(slow);
    if (!slowFirst.isAdmitted) throw new Error('expected a slot');
    clock.advance(1_200); // an attempt longer than the wait budget
    slowFirst.lease.release('up');
    const slowHeld = await admission.admit(slow);
    if (!slowHeld.isAdmitted) throw new Error('expected a slot');
    const refused = await admission.admit(slow);
    expect(refused).toMatchObject({ isAdmitted: false, reason: 'slots-busy' });
    if (!refused.isAdmitted && refused.reason === 'slots-busy')
      expect(refused.expectedWaitMs).toBeGreaterThan(1_000);
  });

  it('keeps a waiter past the wait budget while its webhook keeps freeing slots, up to four budgets', async () => {
    const { admission, clock } = admissionFor({ MAX_CONCURRENCY_PER_ENDPOINT: 1 }, 100);
    const key = webhookKeyOf('tenant-1', 'wh_busy_fast');
    const learn = await admission.admit(key);
    if (!learn.isAdmitted) throw new Error('expected a slot');
    learn.lease.release('up'); // a fast endpoint: waiting is worth it
    const first = await admission.admit(key);
    if (!first.isAdmitted) throw new Error('expected a slot');
    const startedAt = clock.now().getTime();
    const answeredAfterMs: (number | 'refused')[] = [];
    const waiters = Array.from({ length: 9 }, () =>
      admission.admit(key).then((answer) => {
        answeredAfterMs.push(answer.isAdmitted ? clock.now().getTime() - startedAt : 'refused');
        return answer;
      }),
    );
    // Every waiter is in line (each passed its tenant's slot first) before the clock moves.
    expect(await settledAtOnce(Promise.race(waiters))).toBe('pending');
    // One attempt ends every 60 ms (of the test clock), each slot going to the next waiter in line.
    let holder: Awaited<(typeof waiters)[number]> = first;
    for (const waiter of waiters) {
      clock.advance(60);
      if (holder.isAdmitted) holder.lease.release('up');
      holder = await waiter;
      if (!holder.isAdmitted) break;
      expect(holder.hasWaited).toBe(true);
    }
    if (holder.isAdmitted) holder.lease.release('up');
    await Promise.all(waiters);
    const admittedAfter = answeredAfterMs.filter((value): value is number => value !== 'refused');
    // Served well past one 100 ms budget because slots kept freeing (the sixth in line at 360 ms)...
    expect(admittedAfter).toEqual([60, 120, 180, 240, 300, 360]);
    // ...but never past four budgets in all: the last three in line were sent back at 400 ms.
    expect(answeredAfterMs.filter((answer) => answer === 'refused')).toHaveLength(3);
    expect(admission.busyWebhooks).toBe(0);
  });

  it('refuses a waiter once the wait budget is spent, holding nothing', async () => {
    const { admission, clock } = admissionFor({ MAX_CONCURRENCY_PER_ENDPOINT: 1 }, 100);
    const key = webhookKeyOf('tenant-1', 'wh_a');
    const held = await admission.admit(key);
    expect(held.isAdmitted).toBe(true);
    const waiting = admission.admit(key);
    expect(await settledAtOnce(waiting)).toBe('pending');
    clock.advance(99);
    expect(await settledAtOnce(waiting)).toBe('pending');
    clock.advance(1);
    expect(await waiting).toMatchObject({ isAdmitted: false, reason: 'slots-busy' });
    if (held.isAdmitted) held.lease.release('up');
    expect(admission.busyWebhooks).toBe(0);
  });
});

describe('per-tenant slots (MAX_CONCURRENCY_PER_TENANT)', () => {
  it('refuses a slow tenant past its cap over all its webhooks, while another tenant is admitted', async () => {
    const { admission, clock } = admissionFor(
      { MAX_CONCURRENCY_PER_ENDPOINT: 2, MAX_CONCURRENCY_PER_TENANT: 3 },
      100,
    );
    const slowTenant = (index: number) => webhookKeyOf('tenant-c', `wh_${index}`);
    // Six webhooks of one tenant, two slots each: without the tenant cap all 12 would be admitted.
    const held = [];
    for (let index = 0; index < 3; index++) held.push(await admission.admit(slowTenant(index)));
    expect(held.every((admitted) => admitted.isAdmitted)).toBe(true);
    // The cap binds although this webhook has both slots free; no slot of the tenant freed within the
    // wait budget (its endpoints stall), so the delivery goes back to the queue.
    const waiting = admission.admit(slowTenant(4));
    clock.advance(100);
    expect(await waiting).toMatchObject({ isAdmitted: false, reason: 'slots-busy' });
    // Another tenant, on the same host or not, still gets a slot at once.
    const other = await settledAtOnce(admission.admit(webhookKeyOf('tenant-a', 'wh_fast')));
    expect(other).toMatchObject({ isAdmitted: true, hasWaited: false });

    // Still no slot freed, a whole budget after the tenant became busy: refused at once, without
    // holding its caller for another budget (before any attempt ended, so with no average yet).
    clock.advance(120);
    const refused = await settledAtOnce(admission.admit(slowTenant(5)));
    expect(refused).toMatchObject({ isAdmitted: false, reason: 'slots-busy' });

    // Refusals hold nothing: releasing the leases leaves no tenant or webhook busy.
    for (const admitted of held) if (admitted.isAdmitted) admitted.lease.release('up');
    if (other !== 'pending' && other.isAdmitted) other.lease.release('up');
    expect(admission.busyTenants).toBe(0);
    expect(admission.busyWebhooks).toBe(0);
    expect((await admission.admit(slowTenant(5))).isAdmitted).toBe(true);
  });

  it('admits a fast tenant past its cap, and caps it again once its attempts are slow', async () => {
    const { admission, clock } = admissionFor(
      { MAX_CONCURRENCY_PER_ENDPOINT: 4, MAX_CONCURRENCY_PER_TENANT: 2 },
      100,
    );
    const keys = [0, 1, 2, 3].map((index) => webhookKeyOf('tenant-a', `wh_${index}`));
    const first = await admission.admit(keys[0] as string);
    if (!first.isAdmitted) throw new Error('expected a slot');
    first.lease.release('up'); // a quick attempt: the tenant's average is a few ms
    // A burst to four instant webhooks: 12 in flight at once, six times the cap, none waits or is bounced.
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, index) => settledAtOnce(admission.admit(keys[index % 4] as string))),
    );
    expect(
      burst.every((admitted) => admitted !== 'pending' && admitted.isAdmitted && !admitted.hasWaited),
    ).toBe(true);
    // Its endpoints turn slow: attempts longer than the wait budget pull the average over half of it.
    clock.advance(300);
    for (const admitted of burst)
      if (admitted !== 'pending' && admitted.isAdmitted) admitted.lease.release('up');
    const held = [await admission.admit(keys[0] as string), await admission.admit(keys[1] as string)];
    expect(held.every((admitted) => admitted.isAdmitted)).toBe(true);
    expect(await admission.admit(keys[2] as string)).toMatchObject({
      isAdmitted: false,
      reason: 'slots-busy',
    });
    for (const admitted of held) if (admitted.isAdmitted) admitted.lease.release('up');
    expect(admission.busyTenants).toBe(0);
  });

  it('holds a fast tenant to its cap as soon as its endpoints stall, before its average catches up', async () => {
    const { admission, clock } = admissionFor(
      { MAX_CONCURRENCY_PER_ENDPOINT: 4, MAX_CONCURRENCY_PER_TENANT: 2 },
      100,
    );
    const keys = [0, 1, 2, 3].map((index) => webhookKeyOf('tenant-a', `wh_${index}`));
    const first = await admission.admit(keys[0] as string);
    if (!first.isAdmitted) throw new Error('expected a slot');
    first.lease.release('up'); // fast so far
    const stalled = [];
    for (let index = 0; index < 3; index++) stalled.push(await admission.admit(keys[index] as string));
    expect(stalled.every((admitted) => admitted.isAdmitted)).toBe(true); // past the cap: fast
    // The three hang longer than half the wait budget, while the last release is still recent.
    clock.advance(70);
    // Past the cap no more: it waits for a tenant slot, and none frees within the budget.
    const waiting = admission.admit(keys[3] as string);
    expect(await settledAtOnce(waiting)).toBe('pending');
    clock.advance(100);
    expect(await waiting).toMatchObject({ isAdmitted: false, reason: 'slots-busy' });
    for (const admitted of stalled) if (admitted.isAdmitted) admitted.lease.release('up');
    expect(admission.busyTenants).toBe(0);
  });

  it('holds no tenant slot for a webhook whose circuit is open, nor when the webhook refuses', async () => {
    const { admission } = admissionFor({ MAX_CONCURRENCY_PER_ENDPOINT: 1, MAX_CONCURRENCY_PER_TENANT: 2 }, 0);
    const failing = webhookKeyOf('tenant-a', 'wh_down');
    for (let index = 0; index < 2; index++) {
      const admitted = await admission.admit(failing);
      if (!admitted.isAdmitted) throw new Error('expected a slot');
      admitted.lease.release('down');
    }
    for (let index = 0; index < 5; index++) {
      expect(await admission.admit(failing)).toMatchObject({ isAdmitted: false, reason: 'circuit-open' });
    }
    const busy = webhookKeyOf('tenant-a', 'wh_busy');
    const holding = await admission.admit(busy);
    expect(holding.isAdmitted).toBe(true);
    expect(await admission.admit(busy)).toMatchObject({ isAdmitted: false, reason: 'slots-busy' });
    // One tenant slot is held (by `holding`); the refusals above took none, so one is left.
    expect((await admission.admit(webhookKeyOf('tenant-a', 'wh_other'))).isAdmitted).toBe(true);
  });
});

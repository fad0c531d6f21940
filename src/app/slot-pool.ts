/**
 * Slots per key (a webhook, a tenant) with an in-memory wait, over the clock port: the one slot and
 * waiter primitive of the delivery path, under both halves of the delivery admission
 * (src/app/endpoint-circuits.ts per webhook, src/app/tenant-slots.ts per tenant;
 * docs/contract.md#isolation) and under the settlement lanes (src/app/settlement-lanes.ts).
 *
 * At most `maxInFlight` slots of a key are held at once. When all are taken, a caller waits in memory
 * for one only if one is expected within `slotWaitMs` (from the key's running average attempt
 * duration); otherwise it is refused at once with the expected wait, and the delivery goes back to the
 * queue. A waiter is refused once no slot of its key freed for a whole slot wait (the key's attempts
 * stall), or once it waited PROGRESS_WAIT_FACTOR slot waits in all (its backlog is longer than
 * predicted): a slow key's backlog never holds the pollers or invocations other keys need, while a
 * fast key's burst is not bounced because the machine is busy. Freed slots go to waiters oldest first.
 *
 * Two options give the tenant pool its extra rules: `admitFastPastCap` (a key whose attempts are fast
 * is admitted past the cap: they hold a poller for moments only) and `refuseWhenStalled` (a key none of
 * whose slots freed for a whole slot wait refuses at once rather than after a wait). Two give the
 * settlement lanes theirs: `maxInFlightInAll` (a cap over every key, its freed slots handed to the
 * waiting keys in turn, round robin) and a `slotWaitMs` of Infinity (wait as long as it takes: never
 * refused, no timer).
 */
import type { TimerClock } from '#domain/ports';
import { AttemptDurations } from './attempt-durations';

/**
 * A waiter whose key keeps freeing slots may wait this many slot waits in all (2 s by default): on a
 * loaded machine a fast endpoint's slots turn over later than its average predicts, and sending such
 * a delivery back to the queue costs it 1 s or more and an SQS request, for nothing.
 */
const PROGRESS_WAIT_FACTOR = 4;
/**
 * With `admitFastPastCap`: a key whose attempts average less than this share of the slot wait, none in
 * flight older than that, and whose slots keep freeing, is fast.
 */
const FAST_SHARE_OF_SLOT_WAIT = 0.5;

/** The answer to "may one more attempt of this key start?". */
export type PoolSlot =
  | {
      isTaken: true;
      hasWaited: boolean;
      /** Frees the slot after an attempt of `durationMs` (undefined: the attempt told nothing about the key's speed). */
      release: (durationMs: number | undefined) => void;
      /** Gives the slot back unused (nothing was attempted): no release is noted, waiters get it. */
      cancel: () => void;
    }
  /** Every slot of the key is taken; one is expected in about `expectedWaitMs`. */
  | { isTaken: false; expectedWaitMs: number };

export interface SlotPoolSettings {
  /** Slots of one key at once: a whole number ≥ 1. */
  maxInFlight: number;
  /** The in-memory wait budget, in ms (0: never wait; Infinity: wait until a slot frees, never refused). */
  slotWaitMs: number;
  admitFastPastCap?: boolean;
  refuseWhenStalled?: boolean;
  /**
   * Slots over all keys at once (a whole number ≥ 1; Infinity, the default: no such cap). With it, a
   * take waits while any key waits, and freed slots go to the waiting keys in turn (round robin), so
   * one key's backlog cannot keep another waiting key out. Not with `admitFastPastCap`.
   */
  maxInFlightInAll?: number;
}

interface Waiter {
  resolve: (slot: PoolSlot) => void;
  cancelTimer?: () => void;
  /** Clock ms when it started waiting. */
  since: number;
}

interface KeySlots {
  inFlight: number;
  /** Clock ms when each attempt in flight started, oldest first (insertion order). */
  started: Set<{ at: number }>;
  waiters: Waiter[];
  /** Clock ms when a slot last freed (with `refuseWhenStalled`, first: when the key was first seen busy). */
  lastReleaseAt: number;
}

/** In-memory slots per key. */
export class SlotPool {
  readonly #settings: Required<SlotPoolSettings>;
  readonly #clock: TimerClock;
  /** Keys with attempts in flight or waiters; an idle key is forgotten so the map stays small. */
  readonly #slots = new Map<string, KeySlots>();
  /** Running average attempt duration per key, in ms: predicts how soon a slot frees. */
  readonly #durations = new AttemptDurations();
  /** Slots held over all keys. */
  #inFlightInAll = 0;
  /** With `maxInFlightInAll`: the keys with waiters, in turn order (served from the front, then moved back). */
  readonly #waitingKeys = new Map<string, KeySlots>();

  constructor(settings: SlotPoolSettings, clock: TimerClock) {
    if (!Number.isInteger(settings.maxInFlight) || settings.maxInFlight < 1)
      throw new RangeError('maxInFlight must be a whole number of at least 1');
    const inAll = settings.maxInFlightInAll ?? Number.POSITIVE_INFINITY;
    if (inAll !== Number.POSITIVE_INFINITY && (!Number.isInteger(inAll) || inAll < 1))
      throw new RangeError('maxInFlightInAll must be a whole number of at least 1');
    if (inAll !== Number.POSITIVE_INFINITY && settings.admitFastPastCap)
      throw new RangeError('admitFastPastCap cannot be combined with maxInFlightInAll');
    this.#settings = {
      admitFastPastCap: false,
      refuseWhenStalled: false,
      ...settings,
      maxInFlightInAll: inAll,
      slotWaitMs: Math.max(0, settings.slotWaitMs),
    };
    this.#clock = clock;
  }

  /** Keys with attempts in flight or waiting (for tests and diagnostics). */
  get busyKeys(): number {
    return this.#slots.size;
  }

  /** Slots held now over all keys (for tests and diagnostics). */
  get inFlight(): number {
    return this.#inFlightInAll;
  }

  /** Whether every slot of `key` is taken (or waited for) now. */
  isFull(key: string): boolean {
    const slots = this.#slots.get(key);
    return slots !== undefined && (slots.inFlight >= this.#settings.maxInFlight || slots.waiters.length > 0);
  }

  /** Takes a slot of `key`, waiting briefly only while one is expected soon. */
  async take(key: string): Promise<PoolSlot> {
    const { maxInFlight, slotWaitMs } = this.#settings;
    let slots = this.#slots.get(key);
    if (!slots) {
      slots = {
        inFlight: 0,
        started: new Set(),
        waiters: [],
        lastReleaseAt: this.#settings.refuseWhenStalled ? this.#now() : Number.NEGATIVE_INFINITY,
      };
      this.#slots.set(key, slots);
    }
    if (slots.inFlight < maxInFlight && slots.waiters.length === 0 && this.#hasTurnInAll()) {
      return this.#take(key, slots, false);
    }
    if (this.#isFast(key, slots)) return this.#take(key, slots, false);
    const expectedWaitMs = this.#durations.expectedWaitMs(key, slots.waiters.length + 1, maxInFlight);
    if (slotWaitMs === 0 || (expectedWaitMs !== undefined && expectedWaitMs > slotWaitMs)) {
      return { isTaken: false, expectedWaitMs: expectedWaitMs ?? 0 };
    }
    // No slot freed for a whole slot wait: a waiter would be refused anyway; refusing now frees the
    // poller at once, so a backlog of thousands is sent back to the queue in moments.
    if (this.#settings.refuseWhenStalled && this.#now() - slots.lastReleaseAt >= slotWaitMs) {
      return { isTaken: false, expectedWaitMs: expectedWaitMs ?? slotWaitMs };
    }
    const queue = slots;
    return new Promise<PoolSlot>((resolve) => {
      const waiter: Waiter = { resolve, since: this.#now() };
      if (slotWaitMs === Number.POSITIVE_INFINITY) {
        // Waits until a slot frees: no timer, never refused.
        this.#wait(key, queue, waiter);
        return;
      }
      const check = (): void => {
        const now = this.#now();
        const sinceRelease = now - queue.lastReleaseAt;
        if (sinceRelease < slotWaitMs && now - waiter.since < slotWaitMs * PROGRESS_WAIT_FACTOR) {
          waiter.cancelTimer = this.#clock.setTimer(slotWaitMs - sinceRelease, check);
          return;
        }
        queue.waiters.splice(queue.waiters.indexOf(waiter), 1);
        if (queue.waiters.length === 0) this.#waitingKeys.delete(key);
        this.#forgetIfIdle(key, queue);
        resolve({
          isTaken: false,
          expectedWaitMs:
            this.#durations.expectedWaitMs(key, queue.waiters.length + 1, maxInFlight) ?? slotWaitMs,
        });
      };
      waiter.cancelTimer = this.#clock.setTimer(slotWaitMs, check);
      this.#wait(key, queue, waiter);
    });
  }

  /** Queues `waiter` for a slot of `key`; with a cap over all keys, the key joins the turns and any free slot is handed over. */
  #wait(key: string, slots: KeySlots, waiter: Waiter): void {
    slots.waiters.push(waiter);
    if (this.#settings.maxInFlightInAll === Number.POSITIVE_INFINITY) return;
    if (!this.#waitingKeys.has(key)) this.#waitingKeys.set(key, slots);
    // Another key may be the one waiting at its own cap while this one could go now.
    this.#handOverInAll();
  }

  /** Whether a take may go without waiting as far as the cap over all keys goes: a free slot, and no key waiting for one. */
  #hasTurnInAll(): boolean {
    return this.#inFlightInAll < this.#settings.maxInFlightInAll && this.#waitingKeys.size === 0;
  }

  #take(key: string, slots: KeySlots, hasWaited: boolean): PoolSlot {
    slots.inFlight += 1;
    this.#inFlightInAll += 1;
    const attempt = { at: this.#now() };
    slots.started.add(attempt);
    let isReturned = false;
    const giveBack = (): void => {
      if (isReturned) throw new Error('a slot was released twice');
      isReturned = true;
      slots.inFlight -= 1;
      this.#inFlightInAll -= 1;
      slots.started.delete(attempt);
    };
    return {
      isTaken: true,
      hasWaited,
      release: (durationMs) => {
        giveBack();
        slots.lastReleaseAt = this.#now();
        if (durationMs !== undefined) this.#durations.note(key, durationMs);
        this.#handOver(key, slots);
      },
      cancel: () => {
        giveBack();
        this.#handOver(key, slots);
      },
    };
  }

  /**
   * Whether the key's attempts are fast (with `admitFastPastCap`): the cap does not bind then. Its
   * oldest attempt in flight must be young too, so a fast key whose endpoints stall is held to the cap
   * within a fraction of the slot wait, not only once its average catches up.
   */
  #isFast(key: string, slots: KeySlots): boolean {
    if (!this.#settings.admitFastPastCap) return false;
    const average = this.#durations.averageOf(key);
    const fastMs = this.#settings.slotWaitMs * FAST_SHARE_OF_SLOT_WAIT;
    const now = this.#now();
    const oldest = slots.started.values().next().value;
    return (
      average !== undefined &&
      average < fastMs &&
      now - slots.lastReleaseAt < this.#settings.slotWaitMs &&
      (oldest === undefined || now - oldest.at < fastMs)
    );
  }

  /** Gives freed slots to waiters, oldest first (every waiter once the key proves fast). */
  #handOver(key: string, slots: KeySlots): void {
    if (this.#settings.maxInFlightInAll !== Number.POSITIVE_INFINITY) {
      this.#handOverInAll();
      this.#forgetIfIdle(key, slots);
      return;
    }
    while (
      (slots.inFlight < this.#settings.maxInFlight || this.#isFast(key, slots)) &&
      slots.waiters.length > 0
    ) {
      const waiter = slots.waiters.shift() as Waiter;
      waiter.cancelTimer?.();
      waiter.resolve(this.#take(key, slots, true));
    }
    this.#forgetIfIdle(key, slots);
  }

  /**
   * With a cap over all keys: gives free slots to the waiting keys in turn, one slot each round, to the
   * first key under its own cap; a key served goes to the back of the turns (or leaves them, emptied).
   */
  #handOverInAll(): void {
    while (this.#inFlightInAll < this.#settings.maxInFlightInAll) {
      let served = false;
      for (const [key, slots] of this.#waitingKeys) {
        if (slots.inFlight >= this.#settings.maxInFlight) continue;
        const waiter = slots.waiters.shift() as Waiter;
        this.#waitingKeys.delete(key);
        if (slots.waiters.length > 0) this.#waitingKeys.set(key, slots);
        waiter.cancelTimer?.();
        waiter.resolve(this.#take(key, slots, true));
        served = true;
        break;
      }
      if (!served) return;
    }
  }

  #forgetIfIdle(key: string, slots: KeySlots): void {
    if (slots.inFlight === 0 && slots.waiters.length === 0 && this.#slots.get(key) === slots) {
      this.#slots.delete(key);
    }
  }

  #now(): number {
    return this.#clock.now().getTime();
  }
}

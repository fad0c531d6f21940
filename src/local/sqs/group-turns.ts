/**
 * The visibility index of a queue whose messages carry a message group (SQS fair queues: the group is
 * the tenant). Each group keeps its own min-heap by visible-at time, and receives serve the groups in
 * turn: the next message comes from the group after the one served last that has a receivable
 * message. A group with a backlog of thousands therefore takes one turn in each round, like a group
 * with one message; it never holds the others back, and it still gets every turn nobody else wants,
 * so a backlog alone drains as fast as before.
 *
 * SQS itself reorders only once a group is flagged as a noisy neighbour (a large share of the
 * messages in flight); serving strictly in turn gives every group at least that, without thresholds
 * that a small local runtime would never reach. Messages without a group share one turn (group `''`).
 */
import { MinHeap } from './min-heap';

/** What the index needs of an entry: its visible-at time (epoch ms) and an order among equal times. */
export interface TurnEntry {
  visibleAt: number;
  /** Breaks ties between equal visible-at times within a group: lower first. */
  order: number;
}

/** A standard (fair) queue's order within a group: the earliest visible first. */
export const byVisibleAt = (left: TurnEntry, right: TurnEntry): number =>
  left.visibleAt - right.visibleAt || left.order - right.order;

/**
 * A FIFO queue's order within a group: by `order` (the send sequence) alone. The group's oldest message
 * is always its top, so while it is in flight (invisible) the group serves nothing: that is what holds
 * a FIFO group while one of its messages is being processed or waits out a retry's visibility timeout.
 */
export const bySequence = (left: TurnEntry, right: TurnEntry): number => left.order - right.order;

/** Per-group min-heaps served round-robin. Entries may go stale; `isLive` tells them apart. */
export class GroupTurns<Entry extends TurnEntry> {
  private readonly heaps = new Map<string, MinHeap<Entry>>();
  /** Groups with at least one entry, in the order their turns come. */
  private readonly ring: string[] = [];
  /** Index in `ring` of the group whose turn is next. */
  private cursor = 0;

  /**
   * @param isLive false for an entry superseded since it was pushed (the message was deleted, moved
   *   or re-indexed); such entries are dropped when they reach the top of their group.
   * @param compare the order within a group: `byVisibleAt` (standard queues) or `bySequence` (FIFO).
   */
  constructor(
    private readonly isLive: (entry: Entry) => boolean,
    private readonly compare: (left: Entry, right: Entry) => number = byVisibleAt,
  ) {}

  /** Adds an entry to `groupId`'s index; a new group takes its turn after every existing one. */
  push(groupId: string, entry: Entry): void {
    let heap = this.heaps.get(groupId);
    if (!heap) {
      heap = new MinHeap<Entry>(this.compare);
      this.heaps.set(groupId, heap);
      // Joins the ring just before the cursor: it is served last in the current round.
      this.ring.splice(this.cursor, 0, groupId);
      this.cursor += 1;
      if (this.cursor >= this.ring.length) this.cursor = 0;
    }
    heap.push(entry);
  }

  /**
   * Removes and returns the entry to serve next at `now`: the earliest visible live entry of the first
   * group, from the cursor on, that has one; that group's turn is then over. Undefined when no group
   * has a visible live entry.
   */
  take(now: number): { groupId: string; entry: Entry } | undefined {
    let scanned = 0;
    while (scanned < this.ring.length) {
      if (this.cursor >= this.ring.length) this.cursor = 0;
      const index = this.cursor;
      const groupId = this.ring[index] as string;
      const top = this.liveTop(groupId);
      if (top === undefined) {
        // Empty: the group leaves the ring and the next one moves into this index.
        this.heaps.delete(groupId);
        this.ring.splice(index, 1);
        continue;
      }
      if (top.visibleAt <= now) {
        this.heaps.get(groupId)?.pop();
        this.cursor = index + 1;
        return { groupId, entry: top };
      }
      this.cursor = index + 1;
      scanned += 1;
    }
    return undefined;
  }

  /** The earliest visible-at time of any group's top entry (possibly stale: an early wake-up, never a late one; in a FIFO queue the top is the group's oldest, which is what must become visible). */
  nextVisibleAt(): number | undefined {
    let earliest: number | undefined;
    for (const heap of this.heaps.values()) {
      const at = heap.peek()?.visibleAt;
      if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
    }
    return earliest;
  }

  /** Groups that hold entries (live or stale). */
  get groupCount(): number {
    return this.ring.length;
  }

  clear(): void {
    this.heaps.clear();
    this.ring.length = 0;
    this.cursor = 0;
  }

  private liveTop(groupId: string): Entry | undefined {
    const heap = this.heaps.get(groupId);
    if (!heap) return undefined;
    for (;;) {
      const top = heap.peek();
      if (top === undefined || this.isLive(top)) return top;
      heap.pop();
    }
  }
}

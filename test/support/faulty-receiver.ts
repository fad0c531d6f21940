/**
 * A loopback receiver that misbehaves on purpose, reproducibly: for each request it draws from a
 * seeded generator keyed by (conversation, path, attempt number) and answers 2xx, 500, hangs past
 * the sender's timeout, or resets the connection. It records what it answered to every pair.
 */
import type { ServerResponse } from 'node:http';
import { type ReceivedDelivery, type Receiver, startReceiver } from './receiver';
import { seededDraw } from './seeded-random';

export type FaultOutcome = 'ok' | 'error' | 'hang' | 'reset';

export interface FaultMix {
  /** Share of requests answered 500. */
  error: number;
  /** Share of requests left unanswered past the sender's timeout. */
  hang: number;
  /** Share of requests whose connection is destroyed (a reset) without an answer. */
  reset: number;
}

/** What one (conversation, path) pair saw. */
export interface PairRecord {
  hits: number;
  /** Requests answered 2xx. */
  successes: number;
  eventIds: Set<string>;
  /** 2xx answers by event id (webhook-id): a count over 1 is a duplicate a receiver can drop by id. */
  successesByEvent: Map<string, number>;
}

export interface FaultyReceiver {
  receiver: Receiver;
  url(path: string): string;
  /** Starts answering on `path` by the seeded mix. */
  serve(path: string): void;
  /** Keyed by `pairKey(conversationId, path)`. */
  pairs: Map<string, PairRecord>;
  /** Delivery event ids (webhook-id) to the conversation they carried. */
  conversationOfEvent: Map<string, string>;
  outcomes: Record<FaultOutcome, number>;
  totalHits(): number;
  close(): Promise<void>;
}

/** The key of a (conversation, receiver path) pair. */
export function pairKey(conversationId: string, path: string): string {
  return `${conversationId}|${path}`;
}

/** Starts a faulty receiver; `hangMs` should exceed the service's DELIVERY_TIMEOUT_MS. */
export async function startFaultyReceiver(options: {
  seed: number;
  mix: FaultMix;
  hangMs: number;
}): Promise<FaultyReceiver> {
  const receiver = await startReceiver();
  const pairs = new Map<string, PairRecord>();
  const conversationOfEvent = new Map<string, string>();
  const outcomes: Record<FaultOutcome, number> = { ok: 0, error: 0, hang: 0, reset: 0 };
  const hangs = new Set<NodeJS.Timeout>();
  let hits = 0;

  const decide = (key: string, attempt: number): FaultOutcome => {
    const draw = seededDraw(options.seed, `${key}|${attempt}`);
    const { error, hang, reset } = options.mix;
    if (draw < error) return 'error';
    if (draw < error + hang) return 'hang';
    if (draw < error + hang + reset) return 'reset';
    return 'ok';
  };

  const answer = (hit: ReceivedDelivery, response: ServerResponse): void => {
    hits += 1;
    const conversationId = conversationOf(hit.body);
    const key = pairKey(conversationId, hit.path);
    const record = pairs.get(key) ?? {
      hits: 0,
      successes: 0,
      eventIds: new Set<string>(),
      successesByEvent: new Map<string, number>(),
    };
    pairs.set(key, record);
    record.hits += 1;
    const eventId = String(hit.headers['webhook-id'] ?? '');
    record.eventIds.add(eventId);
    conversationOfEvent.set(eventId, conversationId);
    const outcome = decide(key, record.hits);
    outcomes[outcome] += 1;
    switch (outcome) {
      case 'ok':
        record.successes += 1;
        record.successesByEvent.set(eventId, (record.successesByEvent.get(eventId) ?? 0) + 1);
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      case 'error':
        response.writeHead(500, { 'content-type': 'text/plain' }).end('scripted failure');
        return;
      case 'reset':
        response.socket?.destroy();
        return;
      case 'hang': {
        // Never a 2xx: the sender has given up by then, so this must not count as delivered.
        const timer = setTimeout(() => {
          hangs.delete(timer);
          response.socket?.destroy();
        }, options.hangMs);
        hangs.add(timer);
        return;
      }
    }
  };

  return {
    receiver,
    url: (path) => receiver.url(path),
    serve: (path) => receiver.on(path, answer),
    pairs,
    conversationOfEvent,
    outcomes,
    totalHits: () => hits,
    close: async () => {
      for (const timer of hangs) clearTimeout(timer);
      await receiver.close();
    },
  };
}

function conversationOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { data?: { conversationId?: unknown } };
    return typeof parsed.data?.conversationId === 'string' ? parsed.data.conversationId : '?';
  } catch {
    return '?';
  }
}

/**
 * The benchmark's destination, in its own process so it does not share the service's event loop:
 * answers every POST with 200 and reports each receipt (event id, path, time) to the parent.
 *
 * A path that starts with `/d/<ms>/` is answered after that many milliseconds (a receiver with real
 * latency); the receipt is recorded on arrival. It listens on several loopback ports (`ports`), so a
 * phase can give each webhook its own origin; `release` answers every waiting request at once and
 * drops the delays (how the isolation phase ends without waiting out its flood).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One receipt: webhook-id, path, epoch milliseconds with sub-millisecond precision. */
export type Receipt = [eventId: string, path: string, atMs: number];

/** Messages the receiver sends its parent. */
export type ReceiverMessage =
  | { type: 'listening'; ports: number[] }
  | { type: 'receipts'; receipts: Receipt[] }
  /** The receiver process's CPU time so far, in microseconds. */
  | { type: 'cpu'; microseconds: number }
  | { type: 'released' };

/** Ports the receiver listens on (the first is the main one). */
const PORT_COUNT = Math.max(1, Number(process.env.BENCH_RECEIVER_PORTS ?? 1));
const FLUSH_INTERVAL_MS = 20;
const DELAYED_PATH = /^\/d\/(\d+)\//;
const now = (): number => performance.timeOrigin + performance.now();

let pending: Receipt[] = [];
let released = false;
/** Answers of delayed requests not yet sent, so `release` can send them at once. */
const waiting = new Map<NodeJS.Timeout, () => void>();

const answer = (response: ServerResponse): void => {
  if (!response.writableEnded) {
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
  }
};

const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
  request.on('data', () => {});
  request.on('end', () => {
    const eventId = request.headers['webhook-id'];
    const path = request.url ?? '/';
    if (typeof eventId === 'string') pending.push([eventId, path, now()]);
    const delayMs = released ? 0 : Number(DELAYED_PATH.exec(path)?.[1] ?? 0);
    if (delayMs <= 0) return answer(response);
    const timer = setTimeout(() => {
      waiting.delete(timer);
      answer(response);
    }, delayMs);
    waiting.set(timer, () => answer(response));
  });
};

const servers = Array.from({ length: PORT_COUNT }, () => {
  const server = createServer(onRequest);
  server.keepAliveTimeout = 65_000;
  return server;
});

const flush = (): void => {
  if (pending.length === 0) return;
  const receipts = pending;
  pending = [];
  process.send?.({ type: 'receipts', receipts } satisfies ReceiverMessage);
};
const timer = setInterval(flush, FLUSH_INTERVAL_MS);

process.on('message', (message: unknown) => {
  if (message === 'flush') flush();
  if (message === 'cpu') {
    const usage = process.cpuUsage();
    process.send?.({ type: 'cpu', microseconds: usage.user + usage.system } satisfies ReceiverMessage);
  }
  if (message === 'release') {
    released = true;
    for (const [delayed, send] of waiting) {
      clearTimeout(delayed);
      send();
    }
    waiting.clear();
    process.send?.({ type: 'released' } satisfies ReceiverMessage);
  }
  if (message === 'close') {
    clearInterval(timer);
    flush();
    let open = servers.length;
    for (const server of servers) {
      server.closeAllConnections();
      server.close(() => {
        open -= 1;
        if (open === 0) process.exit(0);
      });
    }
  }
});
process.on('disconnect', () => process.exit(0));

Promise.all(
  servers.map(
    (server) =>
      new Promise<number>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
      ),
  ),
).then((ports) => process.send?.({ type: 'listening', ports } satisfies ReceiverMessage));

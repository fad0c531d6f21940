/**
 * The benchmark's destination, in its own process so it does not share the service's event loop:
 * answers every POST with 200 at once and reports each receipt (event id, path, time) to the parent.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One receipt: webhook-id, path, epoch milliseconds with sub-millisecond precision. */
export type Receipt = [eventId: string, path: string, atMs: number];

/** Messages the receiver sends its parent. */
export type ReceiverMessage =
  | { type: 'listening'; port: number }
  | { type: 'receipts'; receipts: Receipt[] }
  /** The receiver process's CPU time so far, in microseconds. */
  | { type: 'cpu'; microseconds: number };

const FLUSH_INTERVAL_MS = 20;
const now = (): number => performance.timeOrigin + performance.now();

let pending: Receipt[] = [];
const server = createServer((request, response) => {
  request.on('data', () => {});
  request.on('end', () => {
    const eventId = request.headers['webhook-id'];
    if (typeof eventId === 'string') pending.push([eventId, request.url ?? '/', now()]);
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
  });
});
server.keepAliveTimeout = 65_000;

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
  if (message === 'close') {
    clearInterval(timer);
    flush();
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'listening', port } satisfies ReceiverMessage);
});

/**
 * The soak's destination, in its own process: answers every POST with 200 and counts what it got
 * (deliveries, distinct `webhook-id`+path pairs) without reporting each receipt, so the parent (which
 * runs the service whose memory is measured) holds no per-delivery state of its own.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the receiver reports when asked. */
export interface SoakReceiverCounts {
  type: 'counts';
  requests: number;
  distinct: number;
}

let requests = 0;
const seen = new Set<string>();
const server = createServer((request, response) => {
  request.on('data', () => {});
  request.on('end', () => {
    requests += 1;
    const eventId = request.headers['webhook-id'];
    if (typeof eventId === 'string') seen.add(`${eventId} ${request.url ?? '/'}`);
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
  });
});
server.keepAliveTimeout = 65_000;

process.on('message', (message: unknown) => {
  if (message === 'counts') {
    process.send?.({ type: 'counts', requests, distinct: seen.size } satisfies SoakReceiverCounts);
  }
  if (message === 'close') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () =>
  process.send?.({ type: 'listening', port: (server.address() as AddressInfo).port }),
);

/**
 * A receiver on a bare TCP socket, for tests where the bytes on the wire matter (interim answers,
 * connections closed or reset between requests): it reads each request (head and content-length
 * body) and lets the test write whatever answer it likes, byte for byte.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';

export interface RawExchange {
  /** 1-based: which connection of the receiver this is. */
  connection: number;
  /** 1-based: which request on this connection. */
  requestOnConnection: number;
  /** The request head as sent (request line and headers). */
  head: string;
  body: string;
  socket: Socket;
}

export interface RawReceiver {
  url(path?: string): string;
  /** Every request received, in order. */
  readonly exchanges: RawExchange[];
  readonly connections: number;
  close(): Promise<void>;
}

/** Starts a raw receiver on 127.0.0.1:0; `answer` writes the reply to each request (or closes). */
export async function startRawReceiver(
  answer: (exchange: RawExchange) => void,
  options: { onConnection?: (socket: Socket, connection: number) => void } = {},
): Promise<RawReceiver> {
  const exchanges: RawExchange[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const connection = ++connections;
    options.onConnection?.(socket, connection);
    let buffered = Buffer.alloc(0);
    let requestOnConnection = 0;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const headEnd = buffered.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = buffered.subarray(0, headEnd).toString('latin1');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < headEnd + 4 + length) return;
        const body = buffered.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8');
        buffered = buffered.subarray(headEnd + 4 + length);
        const exchange = { connection, requestOnConnection: ++requestOnConnection, head, body, socket };
        exchanges.push(exchange);
        answer(exchange);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = '/') => `http://127.0.0.1:${port}${path}`,
    exchanges,
    get connections() {
      return connections;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A complete final answer with a small body. */
export function finalAnswer(status: number, body = 'ok', reason = 'OK'): string {
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/**
 * Which connection a request went out on, and whether any byte came back on it. A receiver may close
 * a kept-alive connection just as the sender reuses it (an idle timeout shorter than the client's, a
 * server that serves one request per connection): the request then fails before a byte of any answer
 * arrives, through no fault of the endpoint, and on a fresh connection it would have gone through.
 * undici reports such a failure like any other reset, so the sender asks this module: undici
 * publishes each request's creation and the socket its head is written to on diagnostics channels;
 * the creation happens synchronously inside the `request` call, which is how a request is tied to the
 * attempt that made it.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

/** What is known of one request's connection. */
export interface RequestTrace {
  /** Whether an earlier request had already used the connection this one was written to. */
  reused?: boolean;
  socket?: Socket;
  /** The socket's bytesRead when this request's head was written. */
  bytesReadAtSend?: number;
}

const traces = new WeakMap<object, RequestTrace>();
const requestsPerSocket = new WeakMap<object, number>();
let tracing: RequestTrace | undefined;
let isSubscribed = false;

function subscribeOnce(): void {
  if (isSubscribed) return;
  isSubscribed = true;
  subscribe('undici:request:create', (message) => {
    const { request } = message as { request: object };
    if (tracing === undefined) return;
    traces.set(request, tracing);
    tracing = undefined;
  });
  subscribe('undici:client:sendHeaders', (message) => {
    const { request, socket } = message as { request: object; socket: Socket };
    const count = (requestsPerSocket.get(socket) ?? 0) + 1;
    requestsPerSocket.set(socket, count);
    const trace = traces.get(request);
    if (trace === undefined) return;
    trace.reused = count > 1;
    trace.socket = socket;
    trace.bytesReadAtSend = socket.bytesRead;
  });
}

/**
 * Calls `start`, which must create exactly one undici request synchronously (undici's `request`
 * does), and returns its result with the trace that request's connection fills in.
 */
export function traced<T>(start: () => T): { result: T; trace: RequestTrace } {
  subscribeOnce();
  const trace: RequestTrace = {};
  tracing = trace;
  try {
    return { result: start(), trace };
  } finally {
    tracing = undefined;
  }
}

const CONNECTION_LOST = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_CLOSED']);

/**
 * Did this request fail because the reused connection it went out on was already closed by the
 * receiver: a lost connection, on a socket an earlier request had used, with not a byte read after
 * this request's head was written?
 */
export function failedOnStaleConnection(error: unknown, trace: RequestTrace): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (!CONNECTION_LOST.has(code)) return false;
  if (trace.reused !== true || trace.socket === undefined) return false;
  return trace.socket.bytesRead === trace.bytesReadAtSend;
}

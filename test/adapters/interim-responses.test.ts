/**
 * Interim (1xx) answers before the final one, on a raw socket (RFC 9110 section 15.2: a client must
 * accept them even unasked): the attempt is judged by the final answer, sent once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpSender } from '#adapters/http-sender';
import { finalAnswer, type RawReceiver, startRawReceiver } from '../support/raw-receiver';

const closers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((closer) => closer.close()));
});

function sender() {
  const created = createHttpSender({
    resolver: { resolve: async () => ['127.0.0.1'] },
    allowInsecureLocalhost: true,
  });
  closers.push(created);
  return created;
}

async function receiver(writes: string[]): Promise<RawReceiver> {
  const started = await startRawReceiver(({ socket }) => {
    // Each part in its own write, a tick apart, so the client also meets answers split across reads.
    const next = (index: number) => {
      if (index >= writes.length) return;
      socket.write(writes[index] as string);
      setImmediate(() => next(index + 1));
    };
    next(0);
  });
  closers.push(started);
  return started;
}

const post = (url: string) => ({ url, headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
const TIMEOUT = { timeoutMs: 5_000 };

describe('interim answers on the wire', () => {
  it.each([
    ['100 Continue, then 200', ['HTTP/1.1 100 Continue\r\n\r\n', finalAnswer(200)]],
    ['100 Continue and 200 in one packet', [`HTTP/1.1 100 Continue\r\n\r\n${finalAnswer(200)}`]],
    [
      'several interim answers with headers (100, 102, 103)',
      [
        'HTTP/1.1 100 Continue\r\n\r\n',
        'HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>; rel=preload\r\n\r\n',
        finalAnswer(200),
      ],
    ],
    ['100 Continue cut into small pieces', ['HTTP/1.', '1 10', '0 Continue\r', '\n\r\n', finalAnswer(200)]],
  ])('accepts %s: one request, a success', async (_name, writes) => {
    const raw = await receiver(writes);
    const outcome = await sender().send(post(raw.url('/hook')), TIMEOUT);
    expect(outcome).toMatchObject({ isSuccess: true, statusCode: 200, responseSnippet: 'ok' });
    expect(raw.exchanges).toHaveLength(1);
  });

  it('judges the final answer after a 100 (a 500 is a failure with its body) and keeps the connection for the next request', async () => {
    const raw = await receiver([
      'HTTP/1.1 100 Continue\r\n\r\n',
      finalAnswer(500, 'broken', 'Internal Server Error'),
    ]);
    const send = sender();
    const first = await send.send(post(raw.url('/hook')), TIMEOUT);
    expect(first).toMatchObject({ isSuccess: false, statusCode: 500, responseSnippet: 'broken' });
    // A turn of the event loop lets the pool see the first connection free again.
    await new Promise((resolve) => setImmediate(resolve));
    await send.send(post(raw.url('/hook')), TIMEOUT);
    expect(raw.exchanges.map((exchange) => exchange.requestOnConnection)).toEqual([1, 2]);
    expect(raw.connections).toBe(1);
  });

  it('passes a body that merely looks like an interim answer through untouched', async () => {
    const body = 'HTTP/1.1 100 Continue\r\n\r\n';
    const raw = await receiver([finalAnswer(200, body)]);
    const outcome = await sender().send(post(raw.url('/hook')), TIMEOUT);
    expect(outcome).toMatchObject({ isSuccess: true, responseSnippet: body });
  });
});

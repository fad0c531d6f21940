/**
 * A pooled connection the receiver had already closed (docs/contract.md#isolation): the request that fails on it before
 * a byte of any answer comes back is sent again at once on a fresh connection, once, and the attempt
 * is judged by that answer. A failure on a fresh connection is the endpoint's, as before. Raw TCP
 * receivers script exactly what the connection does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpSender } from '#adapters/http-sender';
import { finalAnswer, type RawExchange, type RawReceiver, startRawReceiver } from '../support/raw-receiver';

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

async function receiver(answer: (exchange: RawExchange) => void): Promise<RawReceiver> {
  const started = await startRawReceiver(answer);
  closers.push(started);
  return started;
}

const post = (url: string) => ({ url, headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
const TIMEOUT = { timeoutMs: 5_000 };
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const shape = (raw: RawReceiver) =>
  raw.exchanges.map((exchange) => [exchange.connection, exchange.requestOnConnection]);

/** Sends twice, the second after the first connection is back in the pool, and returns both outcomes. */
async function sendTwice(raw: RawReceiver) {
  const send = sender();
  const first = await send.send(post(raw.url('/hook')), TIMEOUT);
  await nextTurn();
  const second = await send.send(post(raw.url('/hook')), TIMEOUT);
  return { first, second };
}

describe('a reused connection the receiver already closed', () => {
  it.each([
    [
      'resets it (every second request on a connection)',
      (exchange: RawExchange) => exchange.socket.destroy(),
    ],
    ['closes it as an idle connection, answering nothing', (exchange: RawExchange) => exchange.socket.end()],
  ])('is retried at once on a fresh connection when the receiver %s', async (_name, onSecond) => {
    const raw = await receiver((exchange) => {
      if (exchange.requestOnConnection === 2) onSecond(exchange);
      else exchange.socket.write(finalAnswer(200));
    });
    const { first, second } = await sendTwice(raw);
    expect(first.isSuccess).toBe(true);
    expect(second).toMatchObject({ isSuccess: true, statusCode: 200 });
    expect(second.error).toBeUndefined();
    // The stale request, then the same request on a connection of its own.
    expect(shape(raw)).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
    ]);
    expect(raw.exchanges[2]?.body).toBe(raw.exchanges[1]?.body);
  });

  it('is retried once only: a failure on the fresh connection too is the endpoint’s', async () => {
    const raw = await receiver((exchange) => {
      if (exchange.connection === 1 && exchange.requestOnConnection === 1)
        exchange.socket.write(finalAnswer(200));
      else exchange.socket.destroy();
    });
    const { second } = await sendTwice(raw);
    expect(second.isSuccess).toBe(false);
    expect(second.isSenderFailure).toBeUndefined();
    expect(second.error).toMatch(/^connection reset by the endpoint/);
    expect(shape(raw)).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
    ]);
  });
});

describe('failures that stay the endpoint’s', () => {
  it('a reset on a fresh connection is not retried', async () => {
    const raw = await receiver((exchange) => exchange.socket.destroy());
    const outcome = await sender().send(post(raw.url('/hook')), TIMEOUT);
    expect(outcome.isSuccess).toBe(false);
    expect(outcome.error).toMatch(/^connection reset by the endpoint/);
    expect(raw.exchanges).toHaveLength(1);
  });

  it('a reused connection that fails after part of an answer arrived is not retried', async () => {
    const raw = await receiver((exchange) => {
      if (exchange.requestOnConnection === 1) exchange.socket.write(finalAnswer(200));
      else exchange.socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial');
    });
    const { second } = await sendTwice(raw);
    expect(raw.exchanges).toHaveLength(2);
    // The status did arrive: the endpoint answered 200 and then cut its body short.
    expect(second.statusCode).toBe(200);
  });
});

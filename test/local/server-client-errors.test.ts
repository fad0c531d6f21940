/**
 * The local server's answer to a request Node's parser refuses (an oversized head): the API's error
 * shape, and no body after the head of an answer to HEAD, which a client would read as garbage.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalServer } from '#local/server';

let server: Server;
let port: number;

beforeAll(async () => {
  const unused = async () => {
    throw new Error('not reached: the head is refused before any route');
  };
  server = createLocalServer({
    tokens: { authenticate: () => undefined } as never,
    tenantClaim: 'tenant_id',
    awsKey: { accessKeyId: 'LOCALTESTKEY', secretAccessKey: 'test-secret' },
    api: unused,
    putEvents: unused,
    sqs: unused,
    onError: () => undefined,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

/** Sends `head` as is and returns all the server wrote before closing. */
function exchange(head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

describe('an oversized request head', () => {
  const path = `/health?limit=${'x'.repeat(20_000)}`;

  it('answers 431 with the error body to GET', async () => {
    const answer = await exchange(`GET ${path} HTTP/1.1\r\nhost: localhost\r\n\r\n`);
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(body!)).toEqual({
      error: { code: 'headers_too_large', message: 'Request line and headers are too large' },
    });
    expect(head).toContain(`content-length: ${Buffer.byteLength(body!)}`);
  });

  it('answers 431 to HEAD with the same head and nothing after it', async () => {
    const answer = await exchange(`HEAD ${path} HTTP/1.1\r\nhost: localhost\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer.endsWith('\r\n\r\n')).toBe(true);
    expect(answer).toMatch(/content-length: [1-9]/);
  });
});

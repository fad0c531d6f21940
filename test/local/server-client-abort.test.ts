/**
 * A client that gives up mid-request (closes its connection before its body is all sent) did
 * nothing wrong to the service: the local server reports it as a client abort, never as a fault
 * of the service (logged at ERROR).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalServer } from '#local/server';

let server: Server;
let port: number;
const reports: Array<{ kind: 'fault' | 'client-abort'; error: unknown }> = [];
let reported: () => void = () => undefined;

beforeAll(async () => {
  const unused = async () => {
    throw new Error('not reached: the body never arrives');
  };
  server = createLocalServer({
    tokens: { authenticate: () => undefined } as never,
    tenantClaim: 'tenant_id',
    awsKey: { accessKeyId: 'LOCALTESTKEY', secretAccessKey: 'test-secret' },
    api: unused,
    putEvents: unused,
    sqs: unused,
    onError: (error) => {
      reports.push({ kind: 'fault', error });
      reported();
    },
    onClientAbort: (error) => {
      reports.push({ kind: 'client-abort', error });
      reported();
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

describe('a client that aborts its request', () => {
  it.each(['/v1/webhooks', '/'])('on %s is reported as a client abort, not as a fault', async (path) => {
    reports.length = 0;
    const first = new Promise<void>((resolve) => {
      reported = resolve;
    });
    const socket = connect(port, '127.0.0.1', () => {
      const extra = path === '/' ? 'x-amz-target: AmazonSQS.SendMessage\r\n' : 'authorization: Bearer t\r\n';
      socket.write(
        `POST ${path} HTTP/1.1\r\nhost: localhost\r\n${extra}content-length: 1000\r\n\r\n{"half":`,
      );
      // Give the server the head and a part of the body, then reset the connection.
      setTimeout(() => socket.resetAndDestroy(), 50);
    });
    socket.on('error', () => undefined);
    await first;
    expect(reports.map(({ kind }) => kind)).toEqual(['client-abort']);
  });
});

/**
 * docs/contract.md#isolation: ten deliveries failing together retry spread over ±20 % of the scheduled delay, drawn
 * from the services' injected random source (seeded here), not in lockstep. A real loopback
 * receiver answers 503; nothing is mocked but the random source.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deliverTask } from '#app/deliver';
import { loopbackSender } from '#test/app/loopback-receiver';
import { createTestServices, webhookFixture } from '../support/in-memory-ports';
import { mulberry32 } from '../support/seeded-random';

const sender = loopbackSender();
let receiver: Server;
let url: string;
let retryAfter: string | undefined;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(503, retryAfter ? { 'retry-after': retryAfter } : {}).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/down`;
});

afterAll(async () => {
  await sender.close();
  await new Promise((resolve) => receiver.close(resolve));
});

async function failTogether(header: string | undefined): Promise<number[]> {
  retryAfter = header;
  const services = {
    ...createTestServices({ sender, config: { RETRY_SCHEDULE: [600, 600] } }),
    random: mulberry32(42),
  };
  const webhook = webhookFixture({ url, signing: { enabled: false } });
  await services.webhooks.create(webhook);
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, index) =>
      deliverTask(services, {
        tenantId: webhook.tenantId,
        webhookId: webhook.id,
        event: {
          id: `evt_${index}`,
          type: 'message.created',
          timestamp: new Date().toISOString(),
          tenantId: webhook.tenantId,
          brandId: null,
          data: {},
        },
        attempts: [],
      }),
    ),
  );
  return results.map((result) => (result.status === 'retry-scheduled' ? result.delaySeconds : Number.NaN));
}

it('spreads the retries of deliveries that failed together over ±20 % of the schedule', async () => {
  const delays = await failTogether(undefined);
  for (const delay of delays) {
    expect(delay).toBeGreaterThanOrEqual(480);
    expect(delay).toBeLessThanOrEqual(720);
  }
  expect(new Set(delays).size).toBeGreaterThanOrEqual(8);
  expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(60);
});

it('never retries sooner than a Retry-After, whatever the draw', async () => {
  const delays = await failTogether('700');
  for (const delay of delays) {
    expect(delay).toBeGreaterThanOrEqual(700);
    expect(delay).toBeLessThanOrEqual(720);
  }
});

it('spreads deliveries refused by an open circuit over the cool-down and up to 20 % more, never sooner', async () => {
  retryAfter = undefined;
  const services = {
    ...createTestServices({
      sender,
      config: { RETRY_SCHEDULE: [600, 600], CIRCUIT_FAILURE_THRESHOLD: 1, CIRCUIT_COOLDOWN_MS: 30_000 },
    }),
    random: mulberry32(7),
  };
  const webhook = webhookFixture({ url, signing: { enabled: false } });
  await services.webhooks.create(webhook);
  const task = (index: number) => ({
    tenantId: webhook.tenantId,
    webhookId: webhook.id,
    event: {
      id: `evt_${index}`,
      type: 'message.created',
      timestamp: new Date().toISOString(),
      tenantId: webhook.tenantId,
      brandId: null,
      data: {},
    },
    attempts: [],
  });
  // The first failure opens the circuit; the ten deliveries behind it are refused together.
  expect(await deliverTask(services, task(0))).toMatchObject({ status: 'retry-scheduled' });
  const refused = await Promise.all(
    Array.from({ length: 10 }, (_, index) => deliverTask(services, task(index + 1))),
  );
  const delays = refused.map((result) =>
    result.status === 'postponed' && result.reason === 'circuit-open' ? result.delaySeconds : Number.NaN,
  );
  for (const delay of delays) {
    expect(delay).toBeGreaterThanOrEqual(30);
    expect(delay).toBeLessThanOrEqual(36);
  }
  // Back all in the same second, they would hit the recovering endpoint in lockstep.
  expect(new Set(delays).size).toBeGreaterThanOrEqual(4);
});

/**
 * Rotation is bounded (docs/contract.md#isolation, issue 9 finding 5): at most the current secret and the one it
 * replaced sign, rotating again ends the older one at once, and no rotation answers 5xx however many
 * there are or however many race.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadDeliveryCredentials } from '#app/credentials';
import { ROTATION_OVERLAP_MS } from '#app/webhook-service';
import { CursorCodec } from '#domain/cursor';
import { createApiHandler } from '#functions/api';
import { httpApiEvent, lambdaContext } from '#test/functions/lambda-events';
import { createTestServices } from '../support/in-memory-ports';

function servicesWithApi() {
  const key = randomBytes(32);
  return Object.assign(createTestServices({ config: { ALLOW_INSECURE_LOCALHOST: true } }), {
    cursors: new CursorCodec(async () => key),
  });
}

async function call(
  services: ReturnType<typeof servicesWithApi>,
  method: string,
  path: string,
  body?: unknown,
) {
  const response = await createApiHandler({ ...services, tenantClaim: 'tenant_id' })(
    httpApiEvent({
      method,
      path,
      claims: { tenant_id: 'tenant-a' },
      ...(body === undefined ? {} : { body }),
    }),
    lambdaContext('api'),
  );
  return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
}

describe('secret rotation', () => {
  it('keeps at most two signing secrets through hundreds of rotations, sequential and racing', async () => {
    const services = servicesWithApi();
    const created = await call(services, 'POST', '/v1/webhooks', {
      name: 'rotating',
      events: ['message.created'],
      url: 'http://127.0.0.1:9/hook',
    });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    const issued: string[] = [created.body.signingSecret];
    for (let index = 0; index < 300; index++) {
      const rotated = await call(services, 'POST', `/v1/webhooks/${id}/rotate-secret`);
      expect(rotated.status).toBe(200);
      issued.push(rotated.body.signingSecret);
      services.clock.advance(1_000);
    }
    const racing = await Promise.all(
      Array.from({ length: 20 }, () => call(services, 'POST', `/v1/webhooks/${id}/rotate-secret`)),
    );
    // Racing writers may lose the version check (409, retry), never a 5xx.
    for (const response of racing) expect([200, 409]).toContain(response.status);

    const stored = await services.webhooks.get('tenant-a', id);
    expect(stored?.signingSecrets).toHaveLength(2);
    const last = await call(services, 'POST', `/v1/webhooks/${id}/rotate-secret`);
    const webhook = await services.webhooks.get('tenant-a', id);
    if (!webhook) throw new Error('webhook missing');
    const credentials = await loadDeliveryCredentials(services, webhook);
    const revealed = await call(services, 'GET', `/v1/webhooks/${id}/secret`);
    expect(credentials.signingSecrets).toHaveLength(2);
    expect(credentials.signingSecrets[0]).toBe(last.body.signingSecret);
    expect(revealed.body.signingSecret).toBe(last.body.signingSecret);
  });

  it('ends the older secret at once on a second rotation, and the replaced one after 24 h', async () => {
    const services = servicesWithApi();
    const created = await call(services, 'POST', '/v1/webhooks', {
      name: 'rotating',
      events: ['message.created'],
      url: 'http://127.0.0.1:9/hook',
    });
    const id: string = created.body.id;
    const first: string = created.body.signingSecret;
    const second: string = (await call(services, 'POST', `/v1/webhooks/${id}/rotate-secret`)).body
      .signingSecret;
    const signing = async () => {
      const webhook = await services.webhooks.get('tenant-a', id);
      if (!webhook) throw new Error('webhook missing');
      return [...(await loadDeliveryCredentials(services, webhook)).signingSecrets];
    };
    expect(await signing()).toEqual([second, first]);
    services.clock.advance(60_000);
    const third: string = (await call(services, 'POST', `/v1/webhooks/${id}/rotate-secret`)).body
      .signingSecret;
    expect(await signing()).toEqual([third, second]);
    services.clock.advance(ROTATION_OVERLAP_MS);
    expect(await signing()).toEqual([third]);
  });

  it('keeps the replaced secret for the overlap asked (0 ends it now, 7 days at most) and says when it ends', async () => {
    const services = servicesWithApi();
    const created = await call(services, 'POST', '/v1/webhooks', {
      name: 'rotating',
      events: ['message.created'],
      url: 'http://127.0.0.1:9/hook',
    });
    const id: string = created.body.id;
    const signing = async () => {
      const webhook = await services.webhooks.get('tenant-a', id);
      if (!webhook) throw new Error('webhook missing');
      return [...(await loadDeliveryCredentials(services, webhook)).signingSecrets];
    };
    const now = services.clock.now().getTime();
    const week = await call(services, 'POST', `/v1/webhooks/${id}/rotate-secret`, {
      previousSecretExpiresIn: 7 * 86_400,
    });
    expect(week.status).toBe(200);
    expect(week.body.previousSecretExpiresAt).toBe(new Date(now + 7 * 86_400_000).toISOString());
    services.clock.advance(6 * 86_400_000);
    expect(await signing()).toEqual([week.body.signingSecret, created.body.signingSecret]);

    const now2 = services.clock.now().getTime();
    const atOnce = await call(services, 'POST', `/v1/webhooks/${id}/rotate-secret`, {
      previousSecretExpiresIn: 0,
    });
    expect(atOnce.body.previousSecretExpiresAt).toBe(new Date(now2).toISOString());
    expect(await signing()).toEqual([atOnce.body.signingSecret]);

    for (const previousSecretExpiresIn of [-1, 7 * 86_400 + 1, 1.5, '60']) {
      const refused = await call(services, 'POST', `/v1/webhooks/${id}/rotate-secret`, {
        previousSecretExpiresIn,
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.details[0].field).toBe('previousSecretExpiresIn');
    }
    expect((await call(services, 'POST', `/v1/webhooks/${id}/rotate-secret`, { other: 1 })).status).toBe(400);
  });
});

import { describe, expect, it } from 'vitest';
import { loadDeliveryCredentials, secretContext } from '#app/credentials';
import type { StoredWebhook } from '#domain/model';
import { createTestServices, type TestServices, webhookFixture } from '../support/in-memory-ports';

const HOUR_MS = 3_600_000;

/** Counts decryptions, to see the cache at work. */
function countDecryptions(services: TestServices): () => number {
  let count = 0;
  const decrypt = services.cipher.decrypt.bind(services.cipher);
  services.cipher.decrypt = (ciphertext, context) => {
    count++;
    return decrypt(ciphertext, context);
  };
  return () => count;
}

async function webhookWith(
  services: TestServices,
  overrides: Partial<StoredWebhook>,
): Promise<StoredWebhook> {
  const webhook = webhookFixture(overrides);
  const seal = (plaintext: string) => services.cipher.encrypt(plaintext, secretContext(webhook));
  const now = services.clock.now().getTime();
  return {
    ...webhook,
    signing: { enabled: true },
    signingSecrets: [
      {
        encryptedSecret: await seal('whsec_old'),
        createdAt: '2026-01-01T00:00:00.000Z',
        expiresAt: new Date(now + HOUR_MS).toISOString(),
      },
      { encryptedSecret: await seal('whsec_current'), createdAt: '2026-03-01T00:00:00.000Z' },
    ],
    authentication: { type: 'api_key', headerName: 'x-api-key', encryptedValue: await seal('key-123') },
  };
}

describe('loadDeliveryCredentials', () => {
  it('decrypts the live secrets, current first, and the authentication secret', async () => {
    const services = createTestServices();
    const credentials = await loadDeliveryCredentials(services, await webhookWith(services, {}));
    expect(credentials.signingSecrets).toEqual(['whsec_current', 'whsec_old']);
    expect(credentials.authentication).toEqual({
      type: 'api_key',
      headerName: 'x-api-key',
      value: 'key-123',
    });
    expect(JSON.stringify({ credentials })).not.toContain('key-123');
  });

  it('refuses ciphertexts sealed for another webhook', async () => {
    const services = createTestServices();
    const webhook = await webhookWith(services, {});
    await expect(loadDeliveryCredentials(services, { ...webhook, id: 'wh_other' })).rejects.toThrow();
  });

  it('reuses decrypted credentials per webhook version, and drops an expired secret on time', async () => {
    const services = createTestServices({ config: { SECRET_CACHE_TTL_MS: 10 * HOUR_MS } });
    const decryptions = countDecryptions(services);
    const webhook = await webhookWith(services, {});

    await loadDeliveryCredentials(services, webhook);
    await loadDeliveryCredentials(services, webhook);
    expect(decryptions()).toBe(3);

    await loadDeliveryCredentials(services, { ...webhook, version: 2 });
    expect(decryptions()).toBe(6);

    services.clock.advance(HOUR_MS + 1);
    const later = await loadDeliveryCredentials(services, webhook);
    expect(later.signingSecrets).toEqual(['whsec_current']);
  });

  it('sends no signature secrets when signing is off', async () => {
    const services = createTestServices();
    const webhook = await webhookWith(services, {});
    const credentials = await loadDeliveryCredentials(services, { ...webhook, signing: { enabled: false } });
    expect(credentials.signingSecrets).toEqual([]);
  });
});

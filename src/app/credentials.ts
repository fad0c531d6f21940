/**
 * A webhook's plaintext delivery secrets: decrypted on demand and kept in memory briefly, because
 * a decryption per delivery would cost a KMS/Secrets Manager round trip or CPU on every POST.
 */
import { openAuthentication } from '#domain/auth-kinds/registry';
import { DeliveryCredentials } from '#domain/delivery-request';
import type { StoredWebhook } from '#domain/model';
import type { Services } from './services';

/** The encryption context that binds a webhook's ciphertexts to it (a ciphertext moved elsewhere fails). */
export function secretContext(webhook: Pick<StoredWebhook, 'tenantId' | 'id'>): string {
  return `${webhook.tenantId}/${webhook.id}`;
}

/** Signing secrets still valid at `now`, the current one (no expiry) first. */
function liveSigningSecrets(webhook: StoredWebhook, now: Date) {
  if (!webhook.signing.enabled) return [];
  const live = webhook.signingSecrets.filter(
    (secret) => secret.expiresAt === undefined || Date.parse(secret.expiresAt) > now.getTime(),
  );
  return [...live].sort(
    (left, right) => (left.expiresAt === undefined ? 0 : 1) - (right.expiresAt === undefined ? 0 : 1),
  );
}

/**
 * The webhook's delivery credentials, cached per webhook version for the cache's TTL — and never
 * past the expiry of a rotated-out secret, so an expired secret stops signing on time.
 */
export async function loadDeliveryCredentials(
  services: Pick<Services, 'cipher' | 'clock' | 'credentialCache'>,
  webhook: StoredWebhook,
): Promise<DeliveryCredentials> {
  const now = services.clock.now();
  const secrets = liveSigningSecrets(webhook, now);
  const expiries = secrets.flatMap((secret) => (secret.expiresAt ? [Date.parse(secret.expiresAt)] : []));
  const ttlMs =
    expiries.length > 0
      ? Math.min(services.credentialCache.ttlMs, Math.min(...expiries) - now.getTime())
      : undefined;
  const key = `${webhook.tenantId}/${webhook.id}/${webhook.version}/${secrets.length}`;
  return services.credentialCache.get(
    key,
    async () => {
      const context = secretContext(webhook);
      const signingSecrets = await Promise.all(
        secrets.map((secret) => services.cipher.decrypt(secret.encryptedSecret, context)),
      );
      const authentication = webhook.authentication
        ? await openAuthentication(webhook.authentication, services.cipher, context)
        : null;
      // Defined, not assigned, so any header name stays a key (docs/contract.md#secret-headers).
      const secretHeaders = Object.fromEntries(
        await Promise.all(
          Object.entries(webhook.headers).flatMap(([name, stored]) =>
            typeof stored === 'string'
              ? []
              : [
                  services.cipher
                    .decrypt(stored.encryptedValue, context)
                    .then((value) => [name, value] as const),
                ],
          ),
        ),
      );
      return new DeliveryCredentials(signingSecrets, authentication, secretHeaders);
    },
    ttlMs === undefined ? undefined : { ttlMs },
  );
}

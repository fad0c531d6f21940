/**
 * The admin use cases for webhooks: create, read, list, edit, (de)activate, delete, and the
 * signing-secret routes. Validation happens here, once, for every runtime.
 */
import {
  sealAuthentication as sealAuthenticationWith,
  toPublicAuthentication,
} from '#domain/auth-kinds/registry';
import { checkResolvedDestination } from '#domain/destination-policy';
import { ConflictError, NotFoundError, ValidationError } from '#domain/errors';
import type {
  AuthenticationInput,
  Page,
  StoredAuthentication,
  StoredHeaderValue,
  StoredSigningSecret,
  StoredWebhook,
  WebhookOrdering,
} from '#domain/model';
import { generateSigningSecret } from '#domain/signing';
import { DEFAULT_TENANT_LIMITS } from '#domain/tenant-limits';
import {
  checkWebhookConsistency,
  DEFAULT_PREVIOUS_SECRET_SECONDS,
  type HeaderInputValue,
  headerValueLength,
  MAX_CUSTOM_HEADER_BYTES,
  rotateSecretRequestSchema,
  toFieldIssues,
  webhookInputSchemas,
} from '#domain/webhook-schema';
import { secretContext } from './credentials';
import { readWebhookHealth } from './health-counters';
import type { Services } from './services';
import { forgetFailingPeriod } from './webhook-health';
import { type PublicWebhook, toPublicWebhook } from './webhook-views';

/** An old signing secret keeps signing beside the new one this long after a rotation (docs/contract.md#admin-api). */
export const ROTATION_OVERLAP_MS = DEFAULT_PREVIOUS_SECRET_SECONDS * 1000;
const MAX_WRITE_ATTEMPTS = 3;

interface WebhookDraft {
  name: string;
  description: string;
  brandId: string | null;
  events: string[];
  url: string;
  status: 'active' | 'inactive';
  authentication: AuthenticationInput | null;
  signing: { enabled: boolean };
  headers: Record<string, HeaderInputValue>;
  ordering: WebhookOrdering;
}

type WebhookPatch = Partial<WebhookDraft>;

/** Creates a webhook; the signing secret is returned this once (and by the reveal route). */
export async function createWebhook(
  services: Pick<
    Services,
    'cipher' | 'clock' | 'destinationPolicy' | 'limits' | 'newId' | 'resolver' | 'webhooks'
  >,
  tenantId: string,
  body: unknown,
): Promise<PublicWebhook & { signingSecret?: string }> {
  const draft = parseInput<WebhookDraft>(schemas(services).create, body);
  const normalised: WebhookDraft = {
    name: draft.name,
    description: draft.description ?? '',
    brandId: draft.brandId ?? null,
    events: draft.events,
    url: normalisedUrl(draft.url),
    status: draft.status ?? 'active',
    authentication: draft.authentication ?? null,
    signing: draft.signing ?? { enabled: true },
    headers: draft.headers ?? {},
    ordering: draft.ordering ?? 'none',
  };
  await assertConsistent(services, normalised);
  const now = services.clock.now().toISOString();
  const id = services.newId('wh');
  const signingSecret = normalised.signing.enabled ? generateSigningSecret() : undefined;
  const webhook: StoredWebhook = {
    id,
    tenantId,
    name: normalised.name,
    description: normalised.description,
    brandId: normalised.brandId,
    events: normalised.events,
    url: normalised.url,
    status: normalised.status,
    authentication: await sealAuthentication(services, tenantId, id, normalised.authentication),
    signing: normalised.signing,
    signingSecrets: signingSecret
      ? [await sealSigningSecret(services, tenantId, id, signingSecret, now)]
      : [],
    headers: await sealHeaders(services, tenantId, id, normalised.headers, {}),
    ordering: normalised.ordering,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  // The store counts and creates under one per-tenant guard, so creates racing at the limit cannot
  // both pass (docs/contract.md#limits).
  await services.webhooks.create(webhook, {
    maxPerTenant: (services.limits ?? DEFAULT_TENANT_LIMITS).maxWebhooksPerTenant,
  });
  const view = toPublicWebhook(webhook);
  return signingSecret ? { ...view, signingSecret } : view;
}

/** One webhook of the tenant; another tenant's id is simply not found. */
export async function getWebhook(
  services: Pick<Services, 'clock' | 'webhookHealth' | 'webhooks'>,
  tenantId: string,
  webhookId: string,
): Promise<PublicWebhook> {
  const webhook = await requireWebhook(services, tenantId, webhookId);
  const health = await readWebhookHealth(services, tenantId, [webhook]);
  return toPublicWebhook(webhook, health.get(webhook.id));
}

/** A page of the tenant's webhooks. */
export async function listWebhooks(
  services: Pick<Services, 'clock' | 'webhookHealth' | 'webhooks'>,
  tenantId: string,
  query: {
    status?: 'active' | 'inactive';
    brandId?: string;
    limit: number;
    startKey?: Record<string, unknown>;
  },
): Promise<Page<PublicWebhook>> {
  const page = await services.webhooks.list(tenantId, query);
  const health = await readWebhookHealth(services, tenantId, page.items);
  return {
    items: page.items.map((webhook) => toPublicWebhook(webhook, health.get(webhook.id))),
    ...(page.nextKey ? { nextKey: page.nextKey } : {}),
  };
}

/** Applies a partial edit to any writable field. */
export async function patchWebhook(
  services: Pick<
    Services,
    'cipher' | 'clock' | 'destinationPolicy' | 'resolver' | 'webhookHealth' | 'webhooks'
  >,
  tenantId: string,
  webhookId: string,
  body: unknown,
): Promise<PublicWebhook> {
  const patch = parseInput<WebhookPatch>(schemas(services).patch, body);
  let isReactivated = false;
  const updated = await updateWebhook(services, tenantId, webhookId, async (current) => {
    const authentication =
      patch.authentication === undefined
        ? current.authentication
        : await sealAuthentication(services, tenantId, webhookId, patch.authentication);
    const merged = {
      ...current,
      ...pickDefined(patch, [
        'name',
        'description',
        'brandId',
        'events',
        'url',
        'status',
        'signing',
        'ordering',
      ]),
      authentication,
      headers:
        patch.headers === undefined
          ? current.headers
          : await sealHeaders(services, tenantId, webhookId, patch.headers, current.headers),
    };
    if (patch.url !== undefined) merged.url = normalisedUrl(patch.url);
    if (patch.url !== undefined || patch.headers !== undefined || patch.authentication !== undefined) {
      await assertConsistent(services, {
        url: merged.url,
        headers: merged.headers,
        authentication: authentication ? toPublicAuthentication(authentication) : null,
      });
    }
    isReactivated = patch.status === 'active' && current.status !== 'active';
    if (isReactivated) delete merged.disabledReason;
    if (merged.signing.enabled && merged.signingSecrets.length === 0) {
      merged.signingSecrets = [
        await sealSigningSecret(services, tenantId, webhookId, generateSigningSecret(), now(services)),
      ];
    }
    return merged;
  });
  if (isReactivated) await forgetFailingPeriod(services, tenantId, webhookId);
  return updated;
}

/**
 * Activates or deactivates; activation also forgets an automatic deactivation's reason and any
 * failing period left on the webhook's health (a re-activated webhook starts afresh).
 */
export async function setWebhookStatus(
  services: Pick<Services, 'clock' | 'webhookHealth' | 'webhooks'>,
  tenantId: string,
  webhookId: string,
  status: 'active' | 'inactive',
): Promise<PublicWebhook> {
  const updated = await updateWebhook(services, tenantId, webhookId, async (current) => {
    const next = { ...current, status };
    if (status === 'active') delete next.disabledReason;
    return next;
  });
  if (status === 'active') await forgetFailingPeriod(services, tenantId, webhookId);
  return updated;
}

/** Deletes permanently. */
export async function deleteWebhook(
  services: Pick<Services, 'webhooks'>,
  tenantId: string,
  webhookId: string,
): Promise<void> {
  if (!(await services.webhooks.delete(tenantId, webhookId))) throw webhookNotFound(webhookId);
}

/** The current signing secret, decrypted (one of only two routes that show it). */
export async function revealSigningSecret(
  services: Pick<Services, 'cipher' | 'webhooks'>,
  tenantId: string,
  webhookId: string,
): Promise<{ signingSecret: string }> {
  const webhook = await requireWebhook(services, tenantId, webhookId);
  const current = webhook.signingSecrets.find((secret) => !secret.expiresAt);
  if (!webhook.signing.enabled || !current) {
    throw new ConflictError(
      'Signing is disabled for this webhook; enable it with PATCH { "signing": { "enabled": true } }',
    );
  }
  return {
    signingSecret: await services.cipher.decrypt(current.encryptedSecret, cipherContext(tenantId, webhookId)),
  };
}

/**
 * Makes a new current secret; the one it replaces keeps signing beside it for 24 hours (docs/contract.md#isolation). At
 * most those two sign: any older secret still in its overlap ends at once, so the stored item, the
 * signature header and the HMACs per delivery stay bounded however often an admin rotates.
 */
export async function rotateSigningSecret(
  services: Pick<Services, 'cipher' | 'clock' | 'webhooks'>,
  tenantId: string,
  webhookId: string,
  body: unknown = {},
): Promise<{ signingSecret: string; previousSecretExpiresAt: string | null }> {
  const parsed = rotateSecretRequestSchema.safeParse(body ?? {});
  if (!parsed.success) {
    const details = toFieldIssues(parsed.error);
    throw new ValidationError(
      details[0] ? `${details[0].field}: ${details[0].message}` : 'Invalid body',
      details,
    );
  }
  const overlapMs = (parsed.data.previousSecretExpiresIn ?? DEFAULT_PREVIOUS_SECRET_SECONDS) * 1000;
  const signingSecret = generateSigningSecret();
  let previousSecretExpiresAt: string | null = null;
  await updateWebhook(services, tenantId, webhookId, async (current) => {
    if (!current.signing.enabled) {
      throw new ConflictError('Signing is disabled for this webhook; enable it before rotating the secret');
    }
    const at = services.clock.now();
    const overlapEnds = new Date(at.getTime() + overlapMs).toISOString();
    // At most two secrets sign: an older one still in its overlap ends now.
    const replaced = current.signingSecrets.find((secret) => secret.expiresAt === undefined);
    const fresh = await sealSigningSecret(services, tenantId, webhookId, signingSecret, at.toISOString());
    previousSecretExpiresAt = replaced ? overlapEnds : null;
    return {
      ...current,
      signingSecrets: replaced && overlapMs > 0 ? [fresh, { ...replaced, expiresAt: overlapEnds }] : [fresh],
    };
  });
  return { signingSecret, previousSecretExpiresAt };
}

/** Reads a webhook or answers 404. */
export async function requireWebhook(
  services: Pick<Services, 'webhooks'>,
  tenantId: string,
  webhookId: string,
): Promise<StoredWebhook> {
  const webhook = await services.webhooks.get(tenantId, webhookId);
  if (!webhook) throw webhookNotFound(webhookId);
  return webhook;
}

function cipherContext(tenantId: string, webhookId: string): string {
  return secretContext({ tenantId, id: webhookId });
}

async function updateWebhook(
  services: Pick<Services, 'clock' | 'webhooks'>,
  tenantId: string,
  webhookId: string,
  change: (current: StoredWebhook) => Promise<StoredWebhook>,
): Promise<PublicWebhook> {
  // Optimistic concurrency: re-read and re-apply when another writer (an admin, or the delivery
  // worker recording health) got there first.
  for (let attempt = 1; ; attempt++) {
    const current = await requireWebhook(services, tenantId, webhookId);
    const next = await change(structuredClone(current));
    next.updatedAt = now(services);
    next.version = current.version + 1;
    try {
      // Nothing to invalidate: fan-out and delivery read the store afresh for every event and attempt,
      // so the change applies to the next event on every runtime once this write is acknowledged.
      await services.webhooks.update(next, current.version);
      return toPublicWebhook(next);
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
    }
  }
}

function schemas(services: Pick<Services, 'destinationPolicy'>) {
  return webhookInputSchemas(services.destinationPolicy);
}

function parseInput<T>(
  schema: { safeParse(input: unknown): { success: boolean; data?: unknown; error?: unknown } },
  body: unknown,
): T {
  refuseUnrepresentableHeaderNames(body);
  const result = schema.safeParse(body);
  if (!result.success) {
    // An issue with the body as a whole (missing, not an object, an empty PATCH) names `body`, so every
    // message names a field (docs/contract.md#admin-api).
    const details = toFieldIssues(result.error as Parameters<typeof toFieldIssues>[0]).map((issue) =>
      issue.field === '' ? { ...issue, field: 'body' } : issue,
    );
    throw new ValidationError(
      details[0] ? `${details[0].field}: ${details[0].message}` : 'Invalid request body',
      details,
    );
  }
  return result.data as T;
}

/**
 * A custom header named `__proto__` is a valid token, but no plain object can hold it as data (the
 * validator drops it), so it would be accepted and never sent: refused by name instead (docs/contract.md#admin-api).
 */
function refuseUnrepresentableHeaderNames(body: unknown): void {
  if (typeof body !== 'object' || body === null) return;
  const headers = (body as { headers?: unknown }).headers;
  if (typeof headers !== 'object' || headers === null) return;
  if (Object.hasOwn(headers, '__proto__')) {
    const issue = { field: 'headers.__proto__', message: 'is not a header name this service can store' };
    throw new ValidationError(`${issue.field}: ${issue.message}`, [issue]);
  }
}

/**
 * The URL as the WHATWG parser reads it, which is how it is sent: stored so, no other reader can
 * take another host from it. As typed, `http://127.0.0.1:3105\@evil.test/h` names 127.0.0.1 to this
 * service (a backslash ends the authority) but evil.test to an RFC 3986 parser (userinfo
 * `127.0.0.1:3105\`); stored, it is `http://127.0.0.1:3105/@evil.test/h`. Likewise `http://@host`
 * becomes `http://host/`, `0x7f.1` 127.0.0.1, and a host is lower-cased and punycoded.
 */
function normalisedUrl(url: string): string {
  return new URL(url).href;
}

async function assertConsistent(
  services: Pick<Services, 'destinationPolicy' | 'resolver'>,
  draft: {
    url: string;
    headers: Readonly<Record<string, unknown>>;
    authentication: { readonly type: string } | null;
  },
): Promise<void> {
  const issues = checkWebhookConsistency({ headers: draft.headers, authentication: draft.authentication });
  const destinationProblem = await checkResolvedDestination(
    new URL(draft.url),
    services.resolver,
    services.destinationPolicy,
  );
  if (destinationProblem) issues.push({ field: 'url', message: destinationProblem });
  if (issues.length > 0) {
    throw new ValidationError(`${issues[0]?.field}: ${issues[0]?.message}`, issues);
  }
}

async function sealAuthentication(
  services: Pick<Services, 'cipher'>,
  tenantId: string,
  webhookId: string,
  authentication: AuthenticationInput | null,
): Promise<StoredAuthentication | null> {
  if (!authentication) return null;
  return sealAuthenticationWith(authentication, services.cipher, cipherContext(tenantId, webhookId));
}

/**
 * Custom headers as stored (docs/contract.md#secret-headers): a secret value encrypted with the webhook's
 * context; `{ secret: true }` without a value keeps the secret `current` holds under that exact name,
 * and is refused when there is none (nothing to keep).
 */
async function sealHeaders(
  services: Pick<Services, 'cipher'>,
  tenantId: string,
  webhookId: string,
  headers: Readonly<Record<string, HeaderInputValue>>,
  current: Readonly<Record<string, StoredHeaderValue>>,
): Promise<Record<string, StoredHeaderValue>> {
  const sealed: [string, StoredHeaderValue][] = [];
  let keptBytes = 0;
  const issues: { field: string; message: string }[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') {
      sealed.push([name, value]);
    } else if ('value' in value) {
      const encryptedValue = await services.cipher.encrypt(value.value, cipherContext(tenantId, webhookId));
      sealed.push([name, { secret: true, encryptedValue }]);
    } else {
      const kept = Object.hasOwn(current, name) ? current[name] : undefined;
      if (kept !== undefined && typeof kept !== 'string') {
        sealed.push([name, kept]);
        // The schema could not count a kept value: counted here, so the total holds (docs/contract.md#limits).
        const plaintext = await services.cipher.decrypt(
          kept.encryptedValue,
          cipherContext(tenantId, webhookId),
        );
        keptBytes += plaintext.length;
      } else
        issues.push({
          field: `headers.${name}`,
          message: 'has no stored secret value to keep: send { "value": "...", "secret": true }',
        });
    }
  }
  if (keptBytes > 0) {
    const total = Object.entries(headers).reduce(
      (sum, [name, value]) => sum + name.length + headerValueLength(value),
      keptBytes,
    );
    if (total > MAX_CUSTOM_HEADER_BYTES)
      issues.push({
        field: 'headers',
        message: `custom header names and values may total at most ${MAX_CUSTOM_HEADER_BYTES} bytes, so receivers accept the request`,
      });
  }
  if (issues.length > 0) throw new ValidationError(`${issues[0]?.field}: ${issues[0]?.message}`, issues);
  return Object.fromEntries(sealed);
}

async function sealSigningSecret(
  services: Pick<Services, 'cipher'>,
  tenantId: string,
  webhookId: string,
  secret: string,
  createdAt: string,
): Promise<StoredSigningSecret> {
  return {
    encryptedSecret: await services.cipher.encrypt(secret, cipherContext(tenantId, webhookId)),
    createdAt,
  };
}

function pickDefined<T extends object, K extends keyof T>(source: T, keys: K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}

function now(services: Pick<Services, 'clock'>): string {
  return services.clock.now().toISOString();
}

function webhookNotFound(webhookId: string): NotFoundError {
  return new NotFoundError(`No webhook ${webhookId} in this tenant`);
}

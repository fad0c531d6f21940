/**
 * The one place that reads process.env. Every variable has a default that works locally;
 * the same names configure the Lambda functions on AWS (docs/contract.md#local-runtime).
 */
import * as z from 'zod';
import { MAX_WEBHOOKS_PER_MESSAGE } from '#domain/delivery-task';
import { ORDERED_QUEUE_RETENTION_SECONDS, orderedScheduleProblem } from '#domain/ordering';

const booleanFlag = z
  .string()
  .default('false')
  .transform((value) => value.trim().toLowerCase())
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', '']))
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

// An empty schedule is allowed: one attempt, no retries (attempts = entries + 1).
const secondsList = z
  .string()
  .regex(/^\s*(\d+(\s*,\s*\d+)*)?\s*$/, 'a comma-separated list of whole seconds')
  .transform((value) => (value.trim() === '' ? [] : value.split(',').map((part) => Number(part.trim()))));

/** `VAR=` in a shell means "not set": it takes the default rather than failing or becoming 0. */
function withoutEmptyValues(environment: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(environment)) {
    if (value !== undefined && !isUnset(name as ConfigKey, value)) kept[name] = value;
  }
  return kept;
}

const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('.data'),
  ADMIN_TOKENS: z.string().optional(),
  /** EventBridge's rule for a custom bus name, so a name the stack could not deploy fails here too. */
  EVENT_BUS_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,256}$/, '1-256 of A-Z a-z 0-9 . _ -')
    .refine((name) => name !== 'default', 'not "default" (the account\'s own bus)')
    .default('chat-events'),
  // Ordered deliveries wait for a retry by visibility in a FIFO queue (docs/ordering.md): each wait
  // within one 12-hour hold, the whole schedule within the queue's retention.
  RETRY_SCHEDULE: secondsList
    .superRefine((schedule, ctx) => {
      const problem = orderedScheduleProblem(schedule, ORDERED_QUEUE_RETENTION_SECONDS);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .default([5, 300, 1800, 7200, 18000, 36000, 36000]),
  DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(900_000).default(10_000),
  ALLOW_INSECURE_LOCALHOST: booleanFlag,
  FAILURE_LOG_TTL_DAYS: z.coerce.number().positive().default(30),
  REJECTED_EVENT_TTL_DAYS: z.coerce.number().positive().default(30),
  AUTO_DISABLE_AFTER_DAYS: z.coerce.number().positive().default(5),
  /** Days a delivery log record (and its event's payload) is kept (docs/contract.md#delivery-log). */
  DELIVERY_LOG_TTL_DAYS: z.coerce.number().positive().default(3),
  /** What the delivery log records: every delivery, only deliveries with a failed attempt, or nothing. */
  DELIVERY_LOG: z
    .string()
    .default('all')
    .transform((value) => value.trim().toLowerCase())
    .pipe(z.enum(['all', 'failures', 'off'])),
  /** How long a decrypted secret or the encryption key may stay in memory. */
  SECRET_CACHE_TTL_MS: z.coerce.number().int().min(0).default(300_000),
  /**
   * At most this many deliveries in flight to one webhook (endpoint) at once, per delivery environment
   * (a Lambda environment; locally a delivery thread). More wait in the queue, not in memory.
   */
  MAX_CONCURRENCY_PER_ENDPOINT: z.coerce.number().int().min(1).default(16),
  /**
   * At most this many deliveries of one tenant in flight at once over all its webhooks, per delivery
   * environment, while its endpoints are slow (a tenant whose attempts are fast is admitted past it:
   * they free their pollers in moments). Locally every delivery poller of a thread (8, scaling out to
   * 32, 10 records each) shares these slots: 96 is under a third of that largest capacity, so a tenant
   * with many slow webhooks leaves pollers to the others, yet 1.5 times the 64 in flight that the
   * default 8 pollers carry at 80 % load with 1 s endpoints (the benchmark's 1 s receiver phase): at 64
   * that tenant queued for its own slots (p99 279 → 1,500+ ms), at 96 it barely does. On AWS an
   * environment runs one batch of at most 10 records, so a value of 10 or more never binds there
   * (Lambda's scale-out isolates tenants instead).
   */
  MAX_CONCURRENCY_PER_TENANT: z.coerce.number().int().min(1).default(96),
  /**
   * Webhooks one delivery message may carry. By default (50, the most a message holds) an event's
   * first attempts to all its webhooks travel in one message: one SQS send, receive and delete per
   * event instead of per delivery, and one delivery invocation's billed wait for the receivers shared
   * by every webhook of its events (bench/RESULTS.md). A webhook whose attempt does not end at once
   * continues as its own message. The price: a crash makes the queue redeliver the whole message, so
   * webhooks already reached get the event again (same `webhook-id`; delivery is at-least-once).
   * 1 sends one message per webhook.
   */
  WEBHOOKS_PER_DELIVERY_MESSAGE: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_WEBHOOKS_PER_MESSAGE)
    .default(MAX_WEBHOOKS_PER_MESSAGE),
  /**
   * Local runtime only: worker threads that run the delivery function, each like one Lambda execution
   * environment (its own clients, caches, sender and circuit breakers). 0 runs deliveries on the
   * main thread beside the local AWS stand-ins and the fan-out.
   */
  LOCAL_DELIVERY_THREADS: z.coerce.number().int().min(0).max(16).default(1),
  /**
   * Local runtime only, for operators and tests that inspect the local queues: when set, the local
   * SQS service also listens on this port of 127.0.0.1 (0 picks a free one, printed at start). Unset
   * (the default), the queues are reached in-process only: PORT never speaks SQS (docs/contract.md#local-runtime).
   */
  LOCAL_SQS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /**
   * Circuit breaker per webhook: it opens once the last CIRCUIT_FAILURE_WINDOW_MS hold at least
   * CIRCUIT_FAILURE_THRESHOLD connection/timeout/5xx failures and, with 95 % confidence, at least
   * CIRCUIT_FAILURE_RATE_PERCENT of that window's requests fail (or all of them did); an open circuit
   * sends nothing for CIRCUIT_COOLDOWN_MS, then lets one probe through. Deliveries refused meanwhile are
   * postponed without using an attempt and given up only on evidence (docs/contract.md#isolation). A
   * rate, not a run of consecutive failures: five in a row come by chance every few hundred requests
   * to an endpoint failing 30 % of the time, while a dead endpoint still opens it at its fifth failure.
   */
  CIRCUIT_FAILURE_THRESHOLD: z.coerce.number().int().min(1).default(5),
  CIRCUIT_FAILURE_RATE_PERCENT: z.coerce.number().min(1).max(100).default(50),
  CIRCUIT_FAILURE_WINDOW_MS: z.coerce.number().int().min(1).default(60_000),
  CIRCUIT_COOLDOWN_MS: z.coerce.number().int().min(1).default(30_000),
  /** DynamoDB's rule for a table name (dynalite enforces it too). */
  TABLE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{3,255}$/, '3-255 of A-Z a-z 0-9 _ . -')
    .default('chat-webhooks'),
  DELIVERY_QUEUE_URL: z.string().optional(),
  DELIVERY_DLQ_URL: z.string().optional(),
  /** The FIFO queue of ordered deliveries (docs/ordering.md) and its FIFO DLQ. */
  ORDERED_DELIVERY_QUEUE_URL: z.string().optional(),
  ORDERED_DELIVERY_DLQ_URL: z.string().optional(),
  ENCRYPTION_KEY_SECRET_ARN: z.string().optional(),
  /**
   * The AWS SDK's own endpoint variables (it reads them itself). Read here only because the SQS
   * client otherwise sends each request to the host inside the queue URL, ignoring them.
   */
  AWS_ENDPOINT_URL_SQS: z.string().url().optional(),
  AWS_ENDPOINT_URL: z.string().url().optional(),
  /**
   * Local runtime: the platform credential, comma-separated bearer tokens that may mint and end portal
   * sessions (`POST`/`DELETE /v1/portal-sessions`) and nothing else. On AWS those routes use IAM.
   */
  PLATFORM_TOKENS: z.string().optional(),
  /**
   * AWS: the IAM principals (role or user ARNs, comma-separated) the platform calls the portal-session
   * routes as; the stack writes it from its context key. An assumed role matches its role's ARN.
   */
  PLATFORM_PRINCIPALS: z
    .string()
    .regex(
      /^\s*(arn:[a-z-]+:(iam|sts)::\d{12}:[\w+=,.@/-]+)(\s*,\s*arn:[a-z-]+:(iam|sts)::\d{12}:[\w+=,.@/-]+)*\s*$/,
      'comma-separated IAM ARNs',
    )
    .optional(),
  /**
   * Origins (`https://admin.example.com`, comma-separated) whose pages may frame the console in portal
   * mode (CSP frame-ancestors). Unset: nobody may frame it; the plain console is never framed.
   */
  PORTAL_ALLOWED_ORIGINS: z
    .string()
    .regex(
      /^\s*(https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?)(\s*,\s*https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?)*\s*$/,
      'comma-separated origins such as https://admin.example.com (scheme, host and port only)',
    )
    .optional(),
  /** Where the console is served (portal links open under it); locally the runtime's own URL by default. */
  CONSOLE_URL: z
    .string()
    .url()
    .regex(/^https?:\/\/[^/?#]+(\/[^?#]*)?$/, 'an http(s) URL without query or fragment')
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  /** Webhooks one tenant may have; the next create answers 409 `limit_reached`. */
  MAX_WEBHOOKS_PER_TENANT: z.coerce.number().int().min(1).max(10_000).default(100),
  /** JWT claim that names the tenant on AWS. */
  TENANT_CLAIM: z.string().min(1).default('tenant_id'),
  SERVICE_VERSION: z.string().default('0.1.0'),
});

/** The validated configuration. */
export type Config = z.infer<typeof environmentSchema>;

/** The name of one configuration variable. */
export type ConfigKey = keyof Config;

/**
 * A process's environment as this module reads it: only its variable names, each as text. The CDK
 * constructs type each Lambda function's environment by it, so a misspelt or removed name fails
 * typecheck.
 */
export type ConfigEnvironment = { readonly [K in ConfigKey]?: string };

/** Parses an environment (process.env by default); throws with every bad variable named. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(withoutEmptyValues(environment));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** `VAR=` and `VAR=' '` mean "not set", except for RETRY_SCHEDULE, where empty means no retries. */
function isUnset(key: ConfigKey, text: string): boolean {
  return text.trim() === '' && key !== 'RETRY_SCHEDULE';
}

/**
 * Every variable's default: what `loadConfig` gives for an empty environment. The one copy of the
 * service's defaults (retry schedule, timeouts, TTLs, names); the CDK constructs take theirs from it.
 */
export const CONFIG_DEFAULTS: Readonly<Config> = Object.freeze(loadConfig({}));

/**
 * Judges one variable's text as `loadConfig` reads it, and returns the value it yields. Throws a
 * message naming the variable when the text is invalid, or when it is blank (where the variable
 * takes its default: a setting that would be silently ignored is refused rather than deployed).
 * The CDK constructs judge every setting they write into a function's environment with this.
 */
export function readConfigValue<K extends ConfigKey>(key: K, text: string): Config[K] {
  if (isUnset(key, text)) throw new Error(`${key}: is blank, which reads as "not set" (the default)`);
  const parsed = environmentSchema.shape[key].safeParse(text);
  if (!parsed.success) {
    throw new Error(`${key}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  }
  return parsed.data as Config[K];
}

/**
 * One configured logger and one metrics instance for the whole service (Powertools), with a
 * redaction step applied to every log line, so a secret cannot reach a log even by mistake.
 */
import { Logger, LogLevelThreshold } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export { MetricUnit };

export const REDACTED = '[redacted]';

// Keys whose values are secrets wherever they appear (request headers, authentication, stored webhooks).
const SECRET_KEYS = new Set(['password', 'token', 'value', 'secret', 'signingsecret', 'authorization']);

// Secrets recognisable by shape: a signing secret anywhere in a string, or an Authorization value.
// Also URL-encoded (`Bearer%20…`, `Bearer+…`, as in an echoed Location). The exact values of a
// webhook's secrets are scrubbed where attempts are recorded (src/domain/secret-scrubber.ts); these
// shapes are the logger's last line of defence for text nobody scrubbed.
const SECRET_PATTERNS = [/whsec_[A-Za-z0-9+/=_%-]*/gi, /\b(Basic|Bearer)(\s+|%20|%2520|\+)[^\s"'<>&,;]+/g];

function isSecretKey(key: string): boolean {
  const lowered = key.toLowerCase();
  return SECRET_KEYS.has(lowered) || lowered.startsWith('encrypted');
}

function redactString(text: string): string {
  let redacted = text;
  for (const pattern of SECRET_PATTERNS) redacted = redacted.replace(pattern, REDACTED);
  return redacted;
}

/** JSON replacer that blanks secret-named keys and secret-shaped strings at any depth of a log item. */
export function redactSecrets(key: string, value: unknown): unknown {
  if (key !== '' && isSecretKey(key) && value !== undefined && value !== null) return REDACTED;
  if (typeof value === 'string') return redactString(value);
  return value;
}

/**
 * The service's name in every log line and metric, and its CloudWatch metrics namespace: the one
 * definition, which the stack also writes into each function's Powertools environment and reads its
 * dashboard's and alarms' metrics from (lib/constructs/service-function.ts).
 */
export const SERVICE_NAME = 'chat-webhooks';
export const METRICS_NAMESPACE = 'ChatWebhooks';

/** The service's logger: structured JSON, every attribute passed through `redactSecrets`. */
export const logger = new Logger({ serviceName: SERVICE_NAME, jsonReplacerFn: redactSecrets });

/**
 * Powertools metrics that print EMF only once publishing is switched on (by the Lambda entry points),
 * so tests and the local runtime do not flood stdout; POWERTOOLS_METRICS_DISABLED still wins on AWS.
 */
class SwitchableMetrics extends Metrics {
  #isPublishing = false;

  /** Turns EMF output on or off for this process. */
  setPublishing(isPublishing: boolean): void {
    this.#isPublishing = isPublishing;
  }

  /**
   * Stores the value only while publishing: otherwise it would be cleared unprinted at the end of the
   * invocation, and Powertools' validation and storage per call was ~3 % of the local delivery
   * thread's CPU (four metrics per delivery; bench/RESULTS.md, issue 14).
   */
  override addMetric(...args: Parameters<Metrics['addMetric']>): this {
    if (!this.#isPublishing) return this;
    return super.addMetric(...args);
  }

  override publishStoredMetrics(): this {
    if (this.#isPublishing) return super.publishStoredMetrics();
    this.clearMetrics();
    this.clearDimensions();
    this.clearMetadata();
    return this;
  }
}

/** The service's metrics (namespace METRICS_NAMESPACE). */
export const metrics = new SwitchableMetrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/** Keys that tie a log line to an event, a webhook and a tenant. */
export interface CorrelationKeys {
  eventId?: string;
  webhookId?: string;
  tenantId?: string;
}

type LogExtra = Record<string, unknown>;

/** A logger view that adds correlation keys to every line. */
export interface CorrelatedLogger {
  debug(message: string, extra?: LogExtra): void;
  info(message: string, extra?: LogExtra): void;
  warn(message: string, extra?: LogExtra): void;
  error(message: string, extra?: LogExtra): void;
}

/**
 * Returns a logger that adds `keys` to each line. It passes them per call rather than appending them
 * to the shared logger, because one process delivers many tasks concurrently.
 */
export function withCorrelation(keys: CorrelationKeys): CorrelatedLogger {
  const defined: LogExtra = {};
  for (const [name, value] of Object.entries(keys)) if (value !== undefined) defined[name] = value;
  return {
    debug: (message, extra) => {
      // Powertools reads the trace id from the environment on every call, even for lines its level
      // drops; hot paths log at DEBUG once per delivery, so skip the call unless DEBUG is on.
      if (logger.level <= LogLevelThreshold.DEBUG) logger.debug(message, { ...defined, ...extra });
    },
    info: (message, extra) => logger.info(message, { ...defined, ...extra }),
    warn: (message, extra) => logger.warn(message, { ...defined, ...extra }),
    error: (message, extra) => logger.error(message, { ...defined, ...extra }),
  };
}

/** A thrown value as loggable text (errors keep their name and message, never their arguments). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

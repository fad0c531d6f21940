/**
 * The one translation from the environment's variables to the domain's settings: each policy is built
 * once per process here, so a use case reads `deliveryPolicy.retryScheduleSeconds`, never
 * `RETRY_SCHEDULE`, and no attempt pays for the conversion.
 */

import type { Services } from '#app/services';
import type { Config } from '#config';
import type { AdmissionLimits } from '#domain/delivery-admission';
import type { DeliveryLogPolicy } from '#domain/delivery-log';
import type { DeliveryPolicy } from '#domain/delivery-policy';
import type { DestinationOptions } from '#domain/destination-policy';
import { DAY_MS } from '#domain/durations';
import type { FailureRetention } from '#domain/retention';
import { DEFAULT_TENANT_LIMITS } from '#domain/tenant-limits';
import { SERVICE_NAME } from '#observability';

/** The settings every use case may read. */
export type Settings = Pick<
  Services,
  'deliveryPolicy' | 'deliveryLogPolicy' | 'failureRetention' | 'destinationPolicy' | 'limits'
>;

/** Every domain setting of one process, from its configuration. */
export function buildSettings(config: Config): Settings {
  return {
    deliveryPolicy: deliveryPolicyOf(config),
    deliveryLogPolicy: deliveryLogPolicyOf(config),
    failureRetention: failureRetentionOf(config),
    destinationPolicy: destinationPolicyOf(config),
    limits: { ...DEFAULT_TENANT_LIMITS, maxWebhooksPerTenant: config.MAX_WEBHOOKS_PER_TENANT },
  };
}

/** Slots per webhook and tenant, and each webhook's circuit breaker (docs/contract.md#isolation). */
export function admissionLimitsOf(
  config: Pick<
    Config,
    | 'MAX_CONCURRENCY_PER_ENDPOINT'
    | 'MAX_CONCURRENCY_PER_TENANT'
    | 'CIRCUIT_FAILURE_THRESHOLD'
    | 'CIRCUIT_FAILURE_RATE_PERCENT'
    | 'CIRCUIT_FAILURE_WINDOW_MS'
    | 'CIRCUIT_COOLDOWN_MS'
    | 'DELIVERY_TIMEOUT_MS'
  >,
): AdmissionLimits {
  return {
    maxInFlightPerWebhook: config.MAX_CONCURRENCY_PER_ENDPOINT,
    maxInFlightPerTenant: config.MAX_CONCURRENCY_PER_TENANT,
    circuit: {
      failureThreshold: config.CIRCUIT_FAILURE_THRESHOLD,
      failureRatePercent: config.CIRCUIT_FAILURE_RATE_PERCENT,
      failureWindowMs: config.CIRCUIT_FAILURE_WINDOW_MS,
      cooldownMs: config.CIRCUIT_COOLDOWN_MS,
      // A probe always reports back unless the process dies (and its breakers with it); this is a backstop.
      probeTimeoutMs: config.DELIVERY_TIMEOUT_MS * 2,
    },
  };
}

/** RETRY_SCHEDULE, DELIVERY_TIMEOUT_MS, AUTO_DISABLE_AFTER_DAYS and the rest, as one delivery policy. */
export function deliveryPolicyOf(config: Config): DeliveryPolicy {
  return {
    retryScheduleSeconds: config.RETRY_SCHEDULE,
    attemptTimeoutMs: config.DELIVERY_TIMEOUT_MS,
    userAgent: `${SERVICE_NAME}/${config.SERVICE_VERSION}`,
    autoDisableAfterMs: config.AUTO_DISABLE_AFTER_DAYS * DAY_MS,
    webhooksPerMessage: config.WEBHOOKS_PER_DELIVERY_MESSAGE,
    admission: admissionLimitsOf(config),
  };
}

/** DELIVERY_LOG and DELIVERY_LOG_TTL_DAYS. */
export function deliveryLogPolicyOf(config: Config): DeliveryLogPolicy {
  return { mode: config.DELIVERY_LOG, retentionMs: config.DELIVERY_LOG_TTL_DAYS * DAY_MS };
}

/** FAILURE_LOG_TTL_DAYS and REJECTED_EVENT_TTL_DAYS. */
export function failureRetentionOf(config: Config): FailureRetention {
  return {
    failureLogMs: config.FAILURE_LOG_TTL_DAYS * DAY_MS,
    rejectedEventMs: config.REJECTED_EVENT_TTL_DAYS * DAY_MS,
  };
}

/** ALLOW_INSECURE_LOCALHOST. */
export function destinationPolicyOf(config: Config): DestinationOptions {
  return { allowInsecureLocalhost: config.ALLOW_INSECURE_LOCALHOST };
}

/** PLATFORM_PRINCIPALS as a list of ARNs (empty when unset). */
export function platformPrincipalsOf(config: Pick<Config, 'PLATFORM_PRINCIPALS'>): string[] {
  return (config.PLATFORM_PRINCIPALS ?? '')
    .split(',')
    .map((arn) => arn.trim())
    .filter((arn) => arn !== '');
}

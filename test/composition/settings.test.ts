/**
 * The one translation from environment variables to domain settings: every setting a use case reads
 * comes from the variable that documents it, in the unit its domain name says.
 */
import { describe, expect, it } from 'vitest';
import { buildSettings } from '#composition/settings';
import { loadConfig } from '#config';
import { DEFAULT_TENANT_LIMITS } from '#domain/tenant-limits';

const DAY_MS = 86_400_000;

describe('buildSettings', () => {
  it('turns every variable a use case depends on into its domain setting', () => {
    const config = loadConfig({
      RETRY_SCHEDULE: '1, 20,300',
      DELIVERY_TIMEOUT_MS: '2500',
      SERVICE_VERSION: '9.8.7',
      AUTO_DISABLE_AFTER_DAYS: '0.5',
      WEBHOOKS_PER_DELIVERY_MESSAGE: '12',
      MAX_CONCURRENCY_PER_ENDPOINT: '3',
      MAX_CONCURRENCY_PER_TENANT: '40',
      CIRCUIT_FAILURE_THRESHOLD: '7',
      CIRCUIT_FAILURE_RATE_PERCENT: '60',
      CIRCUIT_FAILURE_WINDOW_MS: '9000',
      CIRCUIT_COOLDOWN_MS: '4000',
      DELIVERY_LOG: 'failures',
      DELIVERY_LOG_TTL_DAYS: '2',
      FAILURE_LOG_TTL_DAYS: '7',
      REJECTED_EVENT_TTL_DAYS: '11',
      ALLOW_INSECURE_LOCALHOST: 'true',
      MAX_WEBHOOKS_PER_TENANT: '42',
    });
    expect(buildSettings(config)).toEqual({
      deliveryPolicy: {
        retryScheduleSeconds: [1, 20, 300],
        attemptTimeoutMs: 2500,
        userAgent: 'chat-webhooks/9.8.7',
        autoDisableAfterMs: DAY_MS / 2,
        webhooksPerMessage: 12,
        admission: {
          maxInFlightPerWebhook: 3,
          maxInFlightPerTenant: 40,
          circuit: {
            failureThreshold: 7,
            failureRatePercent: 60,
            failureWindowMs: 9000,
            cooldownMs: 4000,
            probeTimeoutMs: 5000,
          },
        },
      },
      deliveryLogPolicy: { mode: 'failures', retentionMs: 2 * DAY_MS },
      failureRetention: { failureLogMs: 7 * DAY_MS, rejectedEventMs: 11 * DAY_MS },
      destinationPolicy: { allowInsecureLocalhost: true },
      limits: { ...DEFAULT_TENANT_LIMITS, maxWebhooksPerTenant: 42 },
    });
  });

  it('keeps an empty retry schedule empty: one attempt, no retry', () => {
    expect(buildSettings(loadConfig({ RETRY_SCHEDULE: '' })).deliveryPolicy.retryScheduleSeconds).toEqual([]);
  });
});

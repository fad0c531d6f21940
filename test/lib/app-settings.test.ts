import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { PLACEHOLDER_JWT_AUDIENCE, PLACEHOLDER_JWT_ISSUER, settingsFromContext } from '#lib/app-settings';

describe('settingsFromContext', () => {
  it('falls back to documented placeholders so synth needs no flags', () => {
    const settings = settingsFromContext(new App());
    expect(settings).toEqual({ jwtIssuer: PLACEHOLDER_JWT_ISSUER, jwtAudience: [PLACEHOLDER_JWT_AUDIENCE] });
  });

  it('reads issuer, comma-separated audiences, names and concurrency from context', () => {
    const app = new App({
      context: {
        jwtIssuer: 'https://login.example.com/',
        jwtAudience: 'admin, ops',
        eventBusName: 'acme-chat',
        tenantClaim: 'org',
        alarmEmail: 'oncall@example.com',
        deliveryReservedConcurrency: 'none',
        fanOutReservedConcurrency: '5',
        deliveryMaxConcurrency: '4',
      },
    });
    expect(settingsFromContext(app)).toEqual({
      jwtIssuer: 'https://login.example.com/',
      jwtAudience: ['admin', 'ops'],
      eventBusName: 'acme-chat',
      tenantClaim: 'org',
      alarmEmail: 'oncall@example.com',
      deliveryReservedConcurrency: null,
      fanOutReservedConcurrency: 5,
      deliveryMaxConcurrency: 4,
    });
  });

  it('refuses a reserved concurrency that is neither a positive integer nor "none"', () => {
    const app = new App({ context: { deliveryReservedConcurrency: 'lots' } });
    expect(() => settingsFromContext(app)).toThrow(/deliveryReservedConcurrency/);
  });
});

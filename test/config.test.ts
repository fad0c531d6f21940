import { describe, expect, it } from 'vitest';
import { loadConfig } from '#config';

describe('loadConfig', () => {
  it('has the SPEC section 3 defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      DATA_DIR: '.data',
      EVENT_BUS_NAME: 'chat-events',
      RETRY_SCHEDULE: [5, 300, 1800, 7200, 18000, 36000, 36000],
      DELIVERY_TIMEOUT_MS: 10_000,
      ALLOW_INSECURE_LOCALHOST: false,
      WEBHOOKS_PER_DELIVERY_MESSAGE: 1,
    });
  });

  it('treats VAR= as not set, and reads flags case-insensitively', () => {
    expect(loadConfig({ PORT: '', HOST: ' ', DELIVERY_TIMEOUT_MS: '' })).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      DELIVERY_TIMEOUT_MS: 10_000,
    });
    expect(loadConfig({ ALLOW_INSECURE_LOCALHOST: 'TRUE' }).ALLOW_INSECURE_LOCALHOST).toBe(true);
    expect(loadConfig({ ALLOW_INSECURE_LOCALHOST: 'False' }).ALLOW_INSECURE_LOCALHOST).toBe(false);
  });

  it('reads an empty RETRY_SCHEDULE as one attempt with no retries', () => {
    expect(loadConfig({ RETRY_SCHEDULE: '' }).RETRY_SCHEDULE).toEqual([]);
    expect(loadConfig({ RETRY_SCHEDULE: ' 1, 2 ,3' }).RETRY_SCHEDULE).toEqual([1, 2, 3]);
  });

  it('names every bad variable', () => {
    expect(() =>
      loadConfig({ PORT: 'http', RETRY_SCHEDULE: '5,x', ALLOW_INSECURE_LOCALHOST: 'maybe' }),
    ).toThrow(
      /PORT.*RETRY_SCHEDULE.*ALLOW_INSECURE_LOCALHOST|PORT.*ALLOW_INSECURE_LOCALHOST.*RETRY_SCHEDULE/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, loadConfig, readConfigValue } from '#config';

describe('loadConfig', () => {
  it('has the docs/contract.md#local-runtime defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      DATA_DIR: '.data',
      EVENT_BUS_NAME: 'chat-events',
      RETRY_SCHEDULE: [5, 300, 1800, 7200, 18000, 36000, 36000],
      DELIVERY_TIMEOUT_MS: 10_000,
      ALLOW_INSECURE_LOCALHOST: false,
      WEBHOOKS_PER_DELIVERY_MESSAGE: 50,
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

  it('refuses a RETRY_SCHEDULE an ordered delivery cannot wait out in its FIFO queue (docs/ordering.md)', () => {
    // One wait must fit a 12-hour visibility hold; the whole schedule the queue's 14-day retention.
    expect(loadConfig({ RETRY_SCHEDULE: '5,42900' }).RETRY_SCHEDULE).toEqual([5, 42900]);
    expect(() => loadConfig({ RETRY_SCHEDULE: '5,43200' })).toThrow(/RETRY_SCHEDULE.*held/s);
    expect(() => loadConfig({ RETRY_SCHEDULE: Array(30).fill('40000').join(',') })).toThrow(/retention/);
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

  // The stack deploys these names to EventBridge and DynamoDB: a name they refuse fails here too.
  it.each([
    ['EVENT_BUS_NAME', 'default'],
    ['EVENT_BUS_NAME', 'a/b'],
    ['EVENT_BUS_NAME', 'x'.repeat(257)],
    ['TABLE_NAME', 'ab'],
    ['TABLE_NAME', 'my table'],
    ['TABLE_NAME', 'x'.repeat(256)],
  ])('refuses %s=%s, a name AWS refuses', (key, value) => {
    expect(() => loadConfig({ [key]: value })).toThrow(new RegExp(key));
  });
});

describe('CONFIG_DEFAULTS', () => {
  it('is what an empty environment reads as', () => {
    expect(CONFIG_DEFAULTS).toEqual(loadConfig({}));
    expect(CONFIG_DEFAULTS.RETRY_SCHEDULE).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
  });
});

describe('readConfigValue', () => {
  it('reads one variable as loadConfig does', () => {
    expect(readConfigValue('RETRY_SCHEDULE', '1, 2')).toEqual([1, 2]);
    expect(readConfigValue('RETRY_SCHEDULE', '')).toEqual([]);
    expect(readConfigValue('DELIVERY_TIMEOUT_MS', '2500')).toBe(2500);
    expect(readConfigValue('TENANT_CLAIM', 'org')).toBe('org');
  });

  it('refuses a value loadConfig refuses, and a blank one loadConfig would replace by the default', () => {
    expect(() => readConfigValue('DELIVERY_TIMEOUT_MS', '99')).toThrow(/^DELIVERY_TIMEOUT_MS: /);
    expect(() => readConfigValue('FAILURE_LOG_TTL_DAYS', 'Infinity')).toThrow(/FAILURE_LOG_TTL_DAYS/);
    expect(() => readConfigValue('TENANT_CLAIM', ' ')).toThrow(/TENANT_CLAIM: is blank/);
  });
});

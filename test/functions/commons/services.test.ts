import { describe, expect, it } from 'vitest';
import { lazyHandler } from '#functions/commons/services';

describe('lazyHandler', () => {
  it('builds the services once per environment and reuses them across invocations', async () => {
    let builds = 0;
    const handler = lazyHandler(
      async () => () => {
        builds += 1;
        return { greeting: `hello #${builds}` };
      },
      (services: { greeting: string }) => async (event: string) => `${services.greeting} ${event}`,
    );
    expect(await handler('a', {})).toBe('hello #1 a');
    expect(await handler('b', {})).toBe('hello #1 b');
    expect(builds).toBe(1);
  });

  it('retries a failed start on the next invocation instead of caching the failure', async () => {
    let attempts = 0;
    const handler = lazyHandler(
      async () => () => {
        attempts += 1;
        if (attempts === 1) throw new Error('DELIVERY_QUEUE_URL must be set');
        return 'ready';
      },
      (services: string) => async () => services,
    );
    await expect(handler(undefined, {})).rejects.toThrow('DELIVERY_QUEUE_URL must be set');
    expect(await handler(undefined, {})).toBe('ready');
    expect(attempts).toBe(2);
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { logger, MetricUnit, metrics, REDACTED, withCorrelation } from '#observability';

/** Runs `log` and returns every JSON line written to stdout or stderr (errors go to stderr). */
function captureStdout(log: () => void): Record<string, unknown>[] {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  try {
    log();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeAll(() => {
  // The suite runs with POWERTOOLS_LOG_LEVEL=WARN; these tests read INFO lines.
  logger.setLogLevel('INFO');
});

afterAll(() => {
  logger.setLogLevel('WARN');
});

afterEach(() => {
  metrics.setPublishing(false);
});

describe('logger redaction', () => {
  it('blanks secret-named keys at any depth and secret-shaped strings anywhere', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const [line] = captureStdout(() =>
      logger.info(`rotated to ${secret}`, {
        webhook: {
          authentication: {
            type: 'basic',
            username: 'ops',
            password: 'hunter2',
            encryptedPassword: 'a1.k.iv.x',
          },
          headers: { Authorization: 'Bearer abc.def', 'x-api-key': 'Basic dXNlcjpwYXNz' },
          signingSecret: secret,
        },
        list: [{ token: 't0k3n' }, { value: 'api-key-value' }, `prefix ${secret}`],
        note: 'Bearer eyJhbGciOi',
        keep: 'ordinary text',
      }),
    );
    const text = JSON.stringify(line);
    for (const leaked of [
      'hunter2',
      'a1.k.iv.x',
      'abc.def',
      'dXNlcjpwYXNz',
      'MfKQ9r8G',
      't0k3n',
      'api-key-value',
      'eyJhbGciOi',
    ]) {
      expect(text).not.toContain(leaked);
    }
    expect(line).toMatchObject({
      message: `rotated to ${REDACTED}`,
      webhook: {
        authentication: { type: 'basic', username: 'ops', password: REDACTED, encryptedPassword: REDACTED },
        headers: { Authorization: REDACTED, 'x-api-key': REDACTED },
        signingSecret: REDACTED,
      },
      note: REDACTED,
      keep: 'ordinary text',
      service: 'chat-webhooks',
    });
  });

  it('redacts URL-encoded Authorization values (an echoed redirect Location)', () => {
    const [line] = captureStdout(() =>
      logger.warn(
        'redirect not followed: 302 to https://x.example/?a=Bearer%20s3cr3t-tok&b=Basic+dXNlcjpw&c=Bearer%2520tw1ce',
      ),
    );
    const text = JSON.stringify(line);
    for (const leaked of ['s3cr3t-tok', 'dXNlcjpw', 'tw1ce']) expect(text).not.toContain(leaked);
  });

  it('redacts inside logged errors too', () => {
    const [line] = captureStdout(() => logger.error('failed', new Error('bad secret whsec_abcdef')));
    expect(line).toMatchObject({ level: 'ERROR', message: 'failed' });
    expect(JSON.stringify(line)).toContain(`bad secret ${REDACTED}`);
    expect(JSON.stringify(line)).not.toContain('whsec_abcdef');
  });

  it('adds correlation keys per line without leaking them into other lines', () => {
    const lines = captureStdout(() => {
      withCorrelation({ eventId: 'evt_1', webhookId: 'wh_1', tenantId: 't' }).info('one', { extra: 1 });
      logger.info('two');
    });
    expect(lines[0]).toMatchObject({
      message: 'one',
      eventId: 'evt_1',
      webhookId: 'wh_1',
      tenantId: 't',
      extra: 1,
    });
    expect(lines[1]).not.toHaveProperty('eventId');
  });
});

describe('metrics', () => {
  it('print nothing until publishing is switched on, then EMF in the ChatWebhooks namespace', () => {
    const silent = captureStdout(() => {
      metrics.addMetric('TestCount', MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    });
    expect(silent.filter((line) => '_aws' in line)).toEqual([]);

    metrics.setPublishing(true);
    const published = captureStdout(() => {
      metrics.addMetric('TestCount', MetricUnit.Count, 2);
      metrics.publishStoredMetrics();
    });
    const emf = published.find((line) => '_aws' in line);
    expect(emf).toMatchObject({ TestCount: 2, service: 'chat-webhooks' });
    expect(JSON.stringify(emf)).toContain('"Namespace":"ChatWebhooks"');
  });
});

describe('correlated DEBUG lines', () => {
  it('are written with their keys when the level is DEBUG, and skipped entirely above it', () => {
    const log = withCorrelation({ eventId: 'evt_1', webhookId: 'wh_1' });
    logger.setLogLevel('DEBUG');
    try {
      const lines = captureStdout(() => log.debug('delivered', { statusCode: 200 }));
      expect(lines).toEqual([
        expect.objectContaining({ level: 'DEBUG', message: 'delivered', eventId: 'evt_1', statusCode: 200 }),
      ]);
    } finally {
      logger.setLogLevel('INFO');
    }
    const debugSpy = vi.spyOn(logger, 'debug');
    try {
      expect(captureStdout(() => log.debug('delivered', { statusCode: 200 }))).toEqual([]);
      expect(debugSpy).not.toHaveBeenCalled();
    } finally {
      debugSpy.mockRestore();
    }
  });
});

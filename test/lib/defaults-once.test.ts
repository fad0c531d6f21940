/**
 * Defaults live once (issue 15): the stack takes every default it writes into a function's
 * environment, and the bus name, from src/config.ts. Here config's defaults are changed, and the
 * template must follow: a construct holding its own copy of a default keeps the old value and fails.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { COMMON_ENVIRONMENT, type ServiceFunctionProps } from '#lib/constructs/service-function';
import { buildStacks, resourcesOfType } from './cdk-fixtures';

const CHANGED = vi.hoisted(() => ({
  RETRY_SCHEDULE: [7, 70, 700],
  DELIVERY_TIMEOUT_MS: 4321,
  FAILURE_LOG_TTL_DAYS: 11,
  AUTO_DISABLE_AFTER_DAYS: 2,
  REJECTED_EVENT_TTL_DAYS: 12,
  TENANT_CLAIM: 'org_id',
  EVENT_BUS_NAME: 'other-chat-bus',
}));

vi.mock('#config', async (importOriginal) => {
  const actual = await importOriginal<typeof import('#config')>();
  return { ...actual, CONFIG_DEFAULTS: { ...actual.CONFIG_DEFAULTS, ...CHANGED } };
});

const textOf = (value: unknown) => (Array.isArray(value) ? value.join(',') : String(value));

describe('the stack takes its defaults from config.ts', () => {
  const { statefulTemplate, serviceTemplate } = buildStacks();

  it('writes config’s defaults, whatever they are, into every function environment', () => {
    const written = new Set<string>();
    for (const fn of Object.values(resourcesOfType(serviceTemplate, 'AWS::Lambda::Function'))) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      for (const [key, value] of Object.entries(variables)) {
        // References (queue URLs, table and bus names) are resolved at deploy time, not defaults.
        if (key in COMMON_ENVIRONMENT || typeof value !== 'string') continue;
        expect(key in CHANGED, `${key}: a literal default that does not come from CONFIG_DEFAULTS`).toBe(
          true,
        );
        expect(value, key).toBe(textOf(CHANGED[key as keyof typeof CHANGED]));
        written.add(key);
      }
    }
    expect([...written].sort()).toEqual(
      Object.keys(CHANGED)
        .filter((key) => key !== 'EVENT_BUS_NAME')
        .sort(),
    );
  });

  it('names the bus by config’s default and scopes the fan-out DLQ policy to it', () => {
    statefulTemplate.hasResourceProperties('AWS::Events::EventBus', { Name: CHANGED.EVENT_BUS_NAME });
    expect(JSON.stringify(statefulTemplate.toJSON())).toContain(`rule/${CHANGED.EVENT_BUS_NAME}/*`);
  });
});

describe('a function environment', () => {
  // Checked by `npm run typecheck`: a variable config.ts does not read is a type error.
  it('names only config.ts variables', () => {
    const environment: ServiceFunctionProps['environment'] = { RETRY_SCHEDULE: '5,300' };
    // @ts-expect-error RETRY_SCHEDULES is misspelt: not a config.ts variable
    const misspelt: ServiceFunctionProps['environment'] = { RETRY_SCHEDULES: '5,300' };
    expect(Object.keys({ ...environment, ...misspelt })).toEqual(['RETRY_SCHEDULE', 'RETRY_SCHEDULES']);
  });
});

describe('the chat platform source', () => {
  it('is written once, in src/domain/chat-event-rules.ts', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const files = ['src', 'lib', 'functions', 'bin'].flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts'))
        .map((file) => join(root, dir, file)),
    );
    const holders = files
      .filter((file) => /['"]chat\.platform['"]/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    expect(holders).toEqual(['src/domain/chat-event-rules.ts']);
  });
});

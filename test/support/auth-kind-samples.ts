import type { AUTH_KINDS, AuthenticationInput } from '#domain/auth-kinds/registry';

/**
 * Per authentication kind: settings, their secret (distinctive enough to search for) and the header
 * they send. Typed by the registry's kinds, so a new kind does not compile until it has a sample here;
 * the kind contract (test/domain/auth-kinds.test.ts) and the end-to-end scrubbing test
 * (test/e2e/echoed-secrets.test.ts) then cover it without further edits.
 */
export const AUTH_KIND_SAMPLES: Record<
  (typeof AUTH_KINDS)[number]['type'],
  { input: AuthenticationInput; secret: string; header: [string, string] }
> = {
  basic: {
    input: { type: 'basic', username: 'crm-user', password: 'p4ssw0rd-basic-secret' },
    secret: 'p4ssw0rd-basic-secret',
    header: ['authorization', `Basic ${Buffer.from('crm-user:p4ssw0rd-basic-secret').toString('base64')}`],
  },
  bearer: {
    input: { type: 'bearer', token: 'tok-bearer-secret-0123456789' },
    secret: 'tok-bearer-secret-0123456789',
    header: ['authorization', 'Bearer tok-bearer-secret-0123456789'],
  },
  api_key: {
    input: { type: 'api_key', headerName: 'X-Api-Key', value: 'key-api-secret-0123456789' },
    secret: 'key-api-secret-0123456789',
    header: ['x-api-key', 'key-api-secret-0123456789'],
  },
};

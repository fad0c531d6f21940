/**
 * One module per authentication kind (docs/architecture.md: three common changes). Every kind keeps the contract the
 * callers rely on (sealed secrets encrypted, public view without them, the header it sends, the
 * mask and the scrubber's forms); the stored item format stays readable; no code outside
 * `src/domain/auth-kinds/` switches on a kind; and a new kind is one module plus its registration.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmSecretCipher } from '#adapters/aes-gcm-cipher';
import {
  AUTH_KINDS,
  authenticationHeader,
  openAuthentication,
  publicAuthenticationSchema,
  type StoredAuthentication,
  sealAuthentication,
  toPublicAuthentication,
} from '#domain/auth-kinds/registry';
import { buildDeliveryRequest, DeliveryCredentials } from '#domain/delivery-request';
import { maskRequestHeaders } from '#domain/secret-masking';
import { webhookSecretValues } from '#domain/secret-scrubber';
import { webhookInputSchemas } from '#domain/webhook-schema';
import { AUTH_KIND_SAMPLES as SAMPLES } from '#test/support/auth-kind-samples';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const masterKey = randomBytes(32);
const cipher = new AesGcmSecretCipher({ getMasterKey: async () => masterKey });
const CONTEXT = 'tenant-a/wh_1';

describe('each authentication kind', () => {
  it('has a sample here, so every kind is held to the contract below', () => {
    expect(AUTH_KINDS.map((kind) => kind.type).sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  it.each(Object.entries(SAMPLES))(
    '%s: seals the secret, opens it back, shows no secret, and sends, masks and scrubs its header',
    async (_type, { input, secret, header }) => {
      const { create } = webhookInputSchemas({ allowInsecureLocalhost: false });
      expect(
        create.safeParse({
          name: 'n',
          url: 'https://hooks.example.com/',
          events: ['message.created'],
          authentication: input,
        }).success,
      ).toBe(true);
      const sealed = await sealAuthentication(input, cipher, CONTEXT);
      expect(JSON.stringify(sealed)).not.toContain(secret);
      expect(await openAuthentication(sealed, cipher, CONTEXT)).toEqual(input);
      await expect(openAuthentication(sealed, cipher, 'tenant-b/wh_1')).rejects.toThrow();

      const view = toPublicAuthentication(sealed);
      expect(publicAuthenticationSchema.parse(view)).toEqual(view);
      expect(JSON.stringify(view)).not.toContain(secret);

      const credentials = new DeliveryCredentials([], input);
      const request = buildDeliveryRequest({
        event: {
          id: 'evt_1',
          type: 'message.created',
          timestamp: 't',
          tenantId: 't',
          brandId: null,
          data: {},
        },
        webhook: { url: 'https://hooks.example.com/', headers: {}, signing: { enabled: false } },
        credentials,
        attemptAt: new Date(0),
        userAgent: 'test',
      });
      const [name, value] = authenticationHeader(input);
      expect([name, value]).toEqual(header);
      expect(request.headers[name]).toBe(value);
      const masked = maskRequestHeaders(request.headers, { authentication: input, signingSecrets: [] });
      expect(masked[name]).toMatch(/^(Basic |Bearer )?\*\*\*\*$/);
      expect(webhookSecretValues({ signingSecrets: [], authentication: input })).toEqual(
        expect.arrayContaining([secret, value]),
      );
    },
  );
});

describe('the stored authentication format', () => {
  it('is what DynamoDB holds today, field for field, and what was stored before reads back', async () => {
    const seal = (text: string) => cipher.encrypt(text, CONTEXT);
    const stored: StoredAuthentication[] = [
      { type: 'basic', username: 'crm-user', encryptedPassword: await seal('pw') },
      { type: 'bearer', encryptedToken: await seal('tok') },
      { type: 'api_key', headerName: 'X-Api-Key', encryptedValue: await seal('key') },
    ];
    const opened = await Promise.all(stored.map((item) => openAuthentication(item, cipher, CONTEXT)));
    expect(opened).toEqual([
      { type: 'basic', username: 'crm-user', password: 'pw' },
      { type: 'bearer', token: 'tok' },
      { type: 'api_key', headerName: 'X-Api-Key', value: 'key' },
    ]);
    for (const input of opened) {
      const sealed = await sealAuthentication(input, cipher, CONTEXT);
      const original = stored.find((item) => item.type === input.type);
      expect(Object.keys(sealed)).toEqual(Object.keys(original ?? {}));
    }
    expect(stored.map(toPublicAuthentication)).toEqual([
      { type: 'basic', username: 'crm-user' },
      { type: 'bearer' },
      { type: 'api_key', headerName: 'X-Api-Key' },
    ]);
  });
});

describe('the tree', () => {
  // A kind's name as a string literal is a switch on kinds in the making; only its module says it.
  const KIND_LITERAL = new RegExp(`['"\`](${AUTH_KINDS.map((kind) => kind.type).join('|')})['"\`]`);
  // The API's own HTTP bearer schemes in the OpenAPI document (how admins and the platform
  // authenticate), not a webhook's authentication kind.
  const API_SCHEME = /scheme: 'bearer'/;

  function sourceFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'auth-kinds' ? [] : sourceFiles(path);
      return /\.ts$/.test(entry.name) ? [path] : [];
    });
  }

  it('names an authentication kind only in its own module under src/domain/auth-kinds/', () => {
    const files = ['src', 'functions', 'lib'].flatMap((dir) => sourceFiles(join(ROOT, dir)));
    expect(files.length).toBeGreaterThan(50);
    const naming = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, index) => ({ line, at: `${relative(ROOT, file)}:${index + 1}` }))
        .filter(({ line }) => KIND_LITERAL.test(line))
        .filter(({ line, at }) => !(at.startsWith('src/domain/openapi.ts:') && API_SCHEME.test(line)))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    expect(naming).toEqual([]);
  });
});

describe('a new authentication kind', () => {
  const NEW_KIND = `/** A token in the X-Example-Token header. */
import * as z from 'zod';
import { secretHeaderValue } from '../header-text';
import { defineAuthKind } from './auth-kind';

const inputSchema = z.strictObject({ type: z.literal('example_token_by_test'), token: secretHeaderValue(4096) });
const publicSchema = z.object({ type: z.literal('example_token_by_test') });

export const exampleTokenAuthentication = defineAuthKind<
  'example_token_by_test',
  z.output<typeof inputSchema>,
  { type: 'example_token_by_test'; encryptedToken: string },
  z.output<typeof publicSchema>
>({
  type: 'example_token_by_test',
  inputSchema,
  publicSchema,
  seal: async (input, cipher, context) => ({ type: 'example_token_by_test', encryptedToken: await cipher.encrypt(input.token, context) }),
  open: async (stored, cipher, context) => ({ type: 'example_token_by_test', token: await cipher.decrypt(stored.encryptedToken, context) }),
  publicView: () => ({ type: 'example_token_by_test' }),
  header: (input) => ['x-example-token', input.token],
  headerName: () => 'x-example-token',
  maskedPrefix: '',
  secretValues: (input) => [input.token],
});
`;
  let copy: string;
  // The copy's modules are loaded by path, so they come untyped.
  let load: (name: string) => Promise<any>;

  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), 'new-auth-kind-'));
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
    cpSync(join(ROOT, 'src/domain'), join(copy, 'domain'), { recursive: true });
    // The new kind's module, and its registration: an import and an entry in AUTH_KINDS.
    writeFileSync(join(copy, 'domain/auth-kinds/example-token.ts'), NEW_KIND);
    const registry = join(copy, 'domain/auth-kinds/registry.ts');
    const source = readFileSync(registry, 'utf8');
    // One line or, once the list outgrows it, one kind a line with a trailing comma.
    const list = /(export const AUTH_KINDS = \[[^\]]*?),?\s*\] as const;/;
    expect(source).toMatch(list);
    writeFileSync(
      registry,
      `import { exampleTokenAuthentication } from './example-token';\n${source.replace(
        list,
        '$1, exampleTokenAuthentication] as const;',
      )}`,
    );
    load = (name) => import(pathToFileURL(join(copy, 'domain', `${name}.ts`)).href);
  });

  afterAll(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it('is validated, sealed, shown, sent, masked and scrubbed by the code that is already there', async () => {
    const input = { type: 'example_token_by_test', token: 'tok-new-kind-secret-0123456789' };
    const schema = await load('webhook-schema');
    const { create, patch } = schema.webhookInputSchemas({ allowInsecureLocalhost: false });
    const webhook = { name: 'n', url: 'https://hooks.example.com/', events: ['message.created'] };
    expect(create.safeParse({ ...webhook, authentication: input }).success).toBe(true);
    expect(patch.safeParse({ authentication: input }).success).toBe(true);
    expect(patch.safeParse({ authentication: { ...input, token: ' padded ' } }).success).toBe(false);
    // Its header is its own: a custom header of the same name is refused, as for api_key.
    const clash = create.safeParse({
      ...webhook,
      authentication: input,
      headers: { 'X-Example-Token': 'x' },
    });
    expect(schema.toFieldIssues(clash.error)).toContainEqual({
      field: 'headers.X-Example-Token',
      message: 'is the example_token_by_test authentication header: it cannot also be a custom header',
    });
    // The product's own schema does not know it.
    expect(
      webhookInputSchemas({ allowInsecureLocalhost: false }).create.safeParse({
        ...webhook,
        authentication: input,
      }).success,
    ).toBe(false);

    const registry = await load('auth-kinds/registry');
    const sealed = await registry.sealAuthentication(input, cipher, CONTEXT);
    expect(JSON.stringify(sealed)).not.toContain(input.token);
    expect(await registry.openAuthentication(sealed, cipher, CONTEXT)).toEqual(input);
    expect(registry.toPublicAuthentication(sealed)).toEqual({ type: 'example_token_by_test' });

    const delivery = await load('delivery-request');
    const request = delivery.buildDeliveryRequest({
      event: { id: 'evt_1', type: 'message.created', timestamp: 't', tenantId: 't', brandId: null, data: {} },
      webhook: { url: 'https://hooks.example.com/', headers: {}, signing: { enabled: false } },
      credentials: new delivery.DeliveryCredentials([], input),
      attemptAt: new Date(0),
      userAgent: 'test',
    });
    expect(request.headers['x-example-token']).toBe(input.token);
    const masking = await load('secret-masking');
    expect(
      masking.maskRequestHeaders(request.headers, { authentication: input, signingSecrets: [] }),
    ).toMatchObject({
      'x-example-token': '****',
    });

    const openapi = await load('openapi');
    const document = openapi.buildOpenApiDocument();
    const options = document.components.schemas.WebhookCreate.properties.authentication.anyOf[0].oneOf;
    expect(
      options.map((option: { properties: { type: { const: string } } }) => option.properties.type.const),
    ).toEqual([...AUTH_KINDS.map((kind) => kind.type), 'example_token_by_test']);
  });
});

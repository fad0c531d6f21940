/**
 * A new event type touches the catalogue alone (docs/architecture.md: three common changes): this test copies the
 * domain, adds one entry to the copy's catalogue and nothing else, and shows that the webhook
 * schemas, their OpenAPI document and the event parser take the new type, with the subscription
 * limit grown to match. The product's own catalogue is left as it is.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as catalogue from '#domain/event-catalogue';
import { webhookInputSchemas } from '#domain/webhook-schema';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// A name no real event type will take, so the test holds after the catalogue grows.
const NEW_TYPE = 'example.added_by_test';
const NEW_ENTRY = `
  '${NEW_TYPE}': {
    name: 'Conversation Rated',
    description: 'A customer rated a conversation after it was solved.',
    data: z.looseObject({ conversationId: entityIdSchema, rating: z.number().int().min(1).max(5) }),
    sampleData: { conversationId: sampleConversation.id, rating: 5 },
  },
`;
const END_OF_DEFINITIONS = '} satisfies Record<string, EventTypeDefinition>;';

let copy: string;
let patched: {
  catalogue: typeof catalogue;
  schema: typeof import('#domain/webhook-schema');
  openapi: typeof import('#domain/openapi');
};

beforeAll(async () => {
  copy = mkdtempSync(join(tmpdir(), 'added-event-type-'));
  // The copy resolves zod and the other packages from the project, as the domain does.
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  cpSync(join(ROOT, 'src/domain'), join(copy, 'domain'), { recursive: true });
  const file = join(copy, 'domain/event-catalogue.ts');
  const source = readFileSync(file, 'utf8');
  expect(source.split(END_OF_DEFINITIONS)).toHaveLength(2);
  writeFileSync(file, source.replace(END_OF_DEFINITIONS, `${NEW_ENTRY}${END_OF_DEFINITIONS}`));
  const load = (name: string) => import(pathToFileURL(join(copy, 'domain', `${name}.ts`)).href);
  patched = {
    catalogue: await load('event-catalogue'),
    schema: await load('webhook-schema'),
    openapi: await load('openapi'),
  };
});

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

const webhook = (events: string[]) => ({ name: 'Ratings', url: 'https://hooks.example.com/r', events });

describe('an event type added to the catalogue alone', () => {
  it('is not in the product (the test adds it to a copy only)', () => {
    expect(catalogue.EVENT_TYPES).not.toContain(NEW_TYPE);
    const { create } = webhookInputSchemas({ allowInsecureLocalhost: false });
    expect(create.safeParse(webhook([NEW_TYPE])).success).toBe(false);
  });

  it('is listed by the catalogue, with its sample payload', () => {
    expect(patched.catalogue.EVENT_TYPES).toEqual([...catalogue.EVENT_TYPES, NEW_TYPE]);
    const entry = patched.catalogue.EVENT_CATALOGUE.at(-1);
    expect(entry).toMatchObject({ type: NEW_TYPE, name: 'Conversation Rated' });
    expect(entry?.samplePayload).toMatchObject({ type: NEW_TYPE, data: { rating: 5 } });
  });

  it('can be subscribed to, alone and together with every other type', () => {
    const { create, patch } = patched.schema.webhookInputSchemas({ allowInsecureLocalhost: false });
    const every = [...patched.catalogue.EVENT_TYPES];
    expect(every.length).toBeGreaterThan(catalogue.EVENT_TYPES.length);
    expect(create.safeParse(webhook([NEW_TYPE])).success).toBe(true);
    expect(create.safeParse(webhook(every)).success).toBe(true);
    expect(patch.safeParse({ events: every }).success).toBe(true);
    // Still one entry per type: more entries than types is refused.
    expect(create.safeParse(webhook([...every, NEW_TYPE])).success).toBe(false);
  });

  it('appears in the OpenAPI document, with the subscription limit grown to match', () => {
    const document = patched.openapi.buildOpenApiDocument() as {
      components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> }> };
    };
    const events = document.components.schemas.WebhookCreate?.properties.events as {
      maxItems: number;
      items: { enum: string[] };
    };
    expect(events.items.enum).toEqual(patched.catalogue.EVENT_TYPES);
    expect(events.maxItems).toBe(patched.catalogue.EVENT_TYPES.length);
  });

  it('is accepted from the bus and checked against its own data schema', () => {
    const parse = (data: unknown) =>
      patched.catalogue.parseChatEvent(
        { detailType: NEW_TYPE, detail: { tenantId: 't', brandId: null, data } },
        () => 'evt_1',
      );
    expect(parse({ conversationId: 'c', rating: 4 })).toMatchObject({ ok: true, event: { type: NEW_TYPE } });
    expect(parse({ conversationId: 'c', rating: 9 })).toMatchObject({ ok: false, reason: 'invalid_detail' });
  });
});

/**
 * Regenerates console/src/api/openapi.d.ts from the admin API's OpenAPI document: the very
 * document `GET /v1/openapi.json` serves, built in-process from the same zod schemas. The console's
 * client is typed from it, so the console cannot drift from the API; a test regenerates and compares.
 *
 * Usage: `npm run generate:console-api` (writes) — `--check` exits 1 when the file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { buildOpenApiDocument } from '#domain/openapi';

export const GENERATED_FILE = fileURLToPath(new URL('../src/api/openapi.d.ts', import.meta.url));

const HEADER =
  "/**\n * Generated from the admin API's /v1/openapi.json by console/scripts/generate-api-types.ts.\n" +
  ' * Do not edit: run `npm run generate:console-api`.\n */\n\n';

/** The generated TypeScript source for the current OpenAPI document. */
export async function generateApiTypes(): Promise<string> {
  const document = buildOpenApiDocument();
  // biome-ignore lint/suspicious/noExplicitAny: openapi-typescript takes its own OpenAPI3 type; ours is plain JSON.
  const ast = await openapiTS(document as any);
  return HEADER + astToString(ast);
}

async function main(): Promise<void> {
  const source = await generateApiTypes();
  if (process.argv.includes('--check')) {
    if (readFileSync(GENERATED_FILE, 'utf8') !== source) {
      process.stderr.write(`${GENERATED_FILE} is stale: run npm run generate:console-api\n`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(GENERATED_FILE, source);
  process.stdout.write(`wrote ${GENERATED_FILE}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}

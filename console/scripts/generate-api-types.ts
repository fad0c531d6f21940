/**
 * Regenerates console/src/api/openapi.d.ts from the admin API's OpenAPI document: the very
 * document `GET /v1/openapi.json` serves, built in-process from the same zod schemas. The console's
 * client is typed from it, so the console cannot drift from the API; a test regenerates and compares.
 * It also writes that document to docs/openapi.json, so the API reference can be read (and diffed
 * in review) without running the service.
 *
 * Usage: `npm run generate:console-api` (writes) — `--check` exits 1 when the file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { buildOpenApiDocument } from '#domain/openapi';

export const GENERATED_FILE = fileURLToPath(new URL('../src/api/openapi.d.ts', import.meta.url));
/** The committed OpenAPI document, as `GET /v1/openapi.json` builds it. */
export const OPENAPI_FILE = fileURLToPath(new URL('../../docs/openapi.json', import.meta.url));

/** The OpenAPI document as committed: pretty-printed JSON with a final newline. */
export function openApiJson(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}

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
  const outputs: [string, string][] = [
    [GENERATED_FILE, await generateApiTypes()],
    [OPENAPI_FILE, openApiJson()],
  ];
  if (process.argv.includes('--check')) {
    const stale = outputs.filter(([file, text]) => readFileSync(file, 'utf8') !== text);
    for (const [file] of stale) process.stderr.write(`${file} is stale: run npm run generate:console-api\n`);
    if (stale.length > 0) process.exit(1);
    return;
  }
  for (const [file, text] of outputs) {
    writeFileSync(file, text);
    process.stdout.write(`wrote ${file}\n`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}

/** The console's API types are generated from the served OpenAPI document: regenerating changes nothing. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  GENERATED_FILE,
  generateApiTypes,
  OPENAPI_FILE,
  openApiJson,
} from '#console-scripts/generate-api-types';

describe('console/src/api/openapi.d.ts', () => {
  it('matches what openapi-typescript generates from /v1/openapi.json today', async () => {
    const fresh = await generateApiTypes();
    expect(fresh).toContain("'/v1/webhooks'".replaceAll("'", '"'));
    // When this fails: run `npm run generate:console-api` and commit the result.
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(fresh);
  });

  it('docs/openapi.json is the document the API serves today', () => {
    // When this fails: run `npm run generate:console-api` and commit the result.
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(openApiJson());
  });
});

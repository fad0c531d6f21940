/**
 * What each Lambda bundle holds, by esbuild's metafile, bundled as lib/constructs/service-function.ts
 * bundles it: a function carries only the adapters it builds (bench/RESULTS.md, cold start).
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The input files of one function's bundle. */
async function bundleInputs(name: string): Promise<string[]> {
  const result = await build({
    entryPoints: [`${PROJECT_ROOT}functions/${name}.ts`],
    bundle: true,
    write: false,
    outfile: 'out.mjs',
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    mainFields: ['module', 'main'],
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.values(result.metafile.outputs)[0];
  return Object.entries(output?.inputs ?? {})
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path);
}

const holds = (inputs: string[], fragment: string) => inputs.some((path) => path.includes(fragment));

describe('Lambda bundles', () => {
  it('fan-out holds the table and the queue clients, not undici, Secrets Manager or EventBridge', async () => {
    const inputs = await bundleInputs('fan-out');
    expect(holds(inputs, 'node_modules/@aws-sdk/client-dynamodb/')).toBe(true);
    expect(holds(inputs, 'node_modules/@aws-sdk/client-sqs/')).toBe(true);
    expect(holds(inputs, 'node_modules/undici/')).toBe(false);
    expect(holds(inputs, 'node_modules/@aws-sdk/client-secrets-manager/')).toBe(false);
    expect(holds(inputs, 'node_modules/@aws-sdk/client-eventbridge/')).toBe(false);
  }, 30_000);

  it('the DLQ processor holds the table client only: no EventBridge (it publishes nothing), SQS, undici or Secrets Manager', async () => {
    const inputs = await bundleInputs('dlq-processor');
    expect(holds(inputs, 'node_modules/@aws-sdk/client-dynamodb/')).toBe(true);
    expect(holds(inputs, 'node_modules/@aws-sdk/client-eventbridge/')).toBe(false);
    expect(holds(inputs, 'node_modules/@aws-sdk/client-sqs/')).toBe(false);
    expect(holds(inputs, 'node_modules/undici/')).toBe(false);
    expect(holds(inputs, 'node_modules/@aws-sdk/client-secrets-manager/')).toBe(false);
  }, 30_000);

  it('the fan-out DLQ processor holds the table client only: no SQS, EventBridge, Secrets Manager or undici', async () => {
    const inputs = await bundleInputs('fan-out-dlq-processor');
    expect(holds(inputs, 'node_modules/@aws-sdk/client-dynamodb/')).toBe(true);
    for (const absent of ['client-sqs', 'client-eventbridge', 'client-secrets-manager']) {
      expect(holds(inputs, `node_modules/@aws-sdk/${absent}/`), absent).toBe(false);
    }
    expect(holds(inputs, 'node_modules/undici/')).toBe(false);
  }, 30_000);

  it('delivery holds undici only in part: no fetch, WebSocket, cache stores or mocks', async () => {
    const inputs = await bundleInputs('delivery');
    expect(holds(inputs, 'node_modules/undici/lib/dispatcher/agent.js')).toBe(true);
    expect(holds(inputs, 'node_modules/undici/index.js')).toBe(false);
    expect(holds(inputs, 'node_modules/undici/lib/web/websocket/')).toBe(false);
    expect(holds(inputs, 'node_modules/undici/lib/mock/')).toBe(false);
  }, 30_000);

  it('the API holds no EventBridge client (it publishes no notices)', async () => {
    const inputs = await bundleInputs('api');
    expect(holds(inputs, 'node_modules/@aws-sdk/client-secrets-manager/')).toBe(true);
    expect(holds(inputs, 'node_modules/@aws-sdk/client-eventbridge/')).toBe(false);
  }, 30_000);
});

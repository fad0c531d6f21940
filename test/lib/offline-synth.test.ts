/**
 * `npx cdk synth` needs no network, by the configuration kept in the repository (cdk.json, .npmrc):
 * run as a new machine would (an empty HOME, no CI variable), with every proxy variable aimed at a
 * loopback proxy that records each connection it is asked for and refuses it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('cdk synth offline', () => {
  let proxy: Server;
  let proxyUrl: string;
  const attempts: string[] = [];
  const scratch: string[] = [];

  beforeAll(async () => {
    proxy = createServer((request, response) => {
      attempts.push(`${request.method} ${request.url}`);
      response.writeHead(502).end();
    });
    proxy.on('connect', (request, socket) => {
      attempts.push(`CONNECT ${request.url}`);
      socket.destroy();
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => proxy.close(resolve));
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  function temporaryDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    scratch.push(dir);
    return dir;
  }

  /** Runs `command` in the project with a fresh HOME and the recording proxy; resolves its exit code and output. */
  function run(
    command: string,
    args: string[],
    extra: NodeJS.ProcessEnv = {},
  ): Promise<{ code: number | null; output: string }> {
    const environment: NodeJS.ProcessEnv = { ...process.env, HOME: temporaryDir('cdk-home-'), ...extra };
    for (const name of [
      'CI',
      'NO_PROXY',
      'no_proxy',
      'CDK_DISABLE_VERSION_CHECK',
      'CDK_DISABLE_CLI_TELEMETRY',
    ]) {
      delete environment[name];
    }
    for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'npm_config_proxy']) {
      environment[name] = proxyUrl;
    }
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { cwd: PROJECT_ROOT, env: environment });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, output }));
    });
  }

  it('npx cdk synth succeeds with an empty HOME and asks for no connection at all', async () => {
    const outdir = temporaryDir('cdk-out-');
    const { code, output } = await run('npx', ['cdk', 'synth', '-q', '-o', outdir]);
    expect(code, output).toBe(0);
    expect(readdirSync(outdir)).toEqual(
      expect.arrayContaining(['ChatWebhooksStateful.template.json', 'ChatWebhooksService.template.json']),
    );
    expect(attempts).toEqual([]);
  }, 180_000);

  it('npx cdk synth passes cdk-nag as cdk deploy runs it: an account, a region and a real JWT issuer', async () => {
    // The CLI's own context (cdk.json's flags) makes the partition literal in ARNs, which an App built
    // in a test does not: only the real command shows whether every acknowledgement still matches.
    const outdir = temporaryDir('cdk-out-');
    const { code, output } = await run(
      'npx',
      [
        'cdk',
        'synth',
        '-q',
        '-o',
        outdir,
        '-c',
        'jwtIssuer=https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example',
        '-c',
        'jwtAudience=console',
      ],
      { CDK_DEFAULT_ACCOUNT: '111122223333', CDK_DEFAULT_REGION: 'eu-west-1' },
    );
    expect(code, output).toBe(0);
    expect(output).not.toMatch(/ERROR/);
  }, 180_000);

  it('npm run synth on an interactive terminal skips the CLI version check too', async () => {
    // The CLI checks the registry for a newer version only when stdout is a terminal, and only an
    // environment variable turns that off, so the npm script sets it; `script` provides the terminal.
    const outdir = temporaryDir('cdk-out-');
    const { code, output } = await run('script', ['-qec', `npm run synth -- -q -o ${outdir}`, '/dev/null']);
    expect(code, output).toBe(0);
    expect(readdirSync(outdir)).toContain('ChatWebhooksService.template.json');
    expect(attempts).toEqual([]);
  }, 180_000);
});

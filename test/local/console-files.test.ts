/** The local runtime's console file serving: only files under the build directory, strict headers, SPA fallback. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP, isConsoleRequest, serveConsoleFile } from '#local/console-files';

let parent: string;
let root: string;

beforeAll(async () => {
  parent = await mkdtemp(join(tmpdir(), 'cw-console-files-'));
  root = join(parent, 'dist');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>console</title>');
  await writeFile(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  await writeFile(join(root, 'assets', 'index-abc.css'), 'body{}');
  await writeFile(join(root, '.build-stamp'), 'digest');
  await writeFile(join(parent, 'secret.txt'), 'outside the build directory');
});

afterAll(() => rm(parent, { recursive: true, force: true }));

describe('isConsoleRequest', () => {
  it('takes GET and HEAD outside /v1 and /health only', () => {
    expect(isConsoleRequest('GET', '/')).toBe(true);
    expect(isConsoleRequest('HEAD', '/webhooks/wh_1')).toBe(true);
    expect(isConsoleRequest('GET', '/v1/webhooks')).toBe(false);
    expect(isConsoleRequest('GET', '/v1')).toBe(false);
    expect(isConsoleRequest('GET', '/health')).toBe(false);
    expect(isConsoleRequest('POST', '/')).toBe(false);
    expect(isConsoleRequest('DELETE', '/webhooks')).toBe(false);
  });
});

describe('serveConsoleFile', () => {
  it('serves index.html at / and for browser routes, with the strict security headers', async () => {
    for (const path of ['/', '/webhooks/wh_1', '/failure-logs?x=1']) {
      const answer = await serveConsoleFile(root, path);
      expect(answer.statusCode).toBe(200);
      expect(answer.body.toString()).toContain('<title>console</title>');
      expect(answer.headers).toMatchObject({
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': CONSOLE_CSP,
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'cache-control': 'no-cache',
      });
    }
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
  });

  it('serves hashed assets with their content type, cached for good', async () => {
    const script = await serveConsoleFile(root, '/assets/index-abc.js');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toContain('immutable');
    expect((await serveConsoleFile(root, '/assets/index-abc.css')).headers['content-type']).toBe(
      'text/css; charset=utf-8',
    );
  });

  it('serves the local console settings as /config.json (same origin, token sign-in)', async () => {
    const config = await serveConsoleFile(root, '/config.json');
    expect(config.statusCode).toBe(200);
    expect(config.headers['content-type']).toBe('application/json');
    expect(JSON.parse(config.body.toString())).toEqual({ apiUrl: '', auth: { mode: 'token' } });
  });

  it('answers 404 for a missing file with an extension and for dotfiles', async () => {
    expect((await serveConsoleFile(root, '/assets/missing.js')).statusCode).toBe(404);
    expect((await serveConsoleFile(root, '/.build-stamp')).statusCode).toBe(404);
  });

  it('never serves a file outside the build directory, whatever the path', async () => {
    const attempts = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/assets/%00.js',
      '/%E0%A4%A',
    ];
    for (const path of attempts) {
      const answer = await serveConsoleFile(root, path);
      expect(answer.body.toString(), path).not.toContain('outside the build directory');
    }
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('..', '.', '%2e%2e', '%2E.', 'secret.txt', 'assets', '%2f', '%5c', ''), {
          maxLength: 6,
        }),
        async (segments) => {
          const answer = await serveConsoleFile(root, `/${segments.join('/')}`);
          expect(answer.body.toString()).not.toContain('outside the build directory');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('says the console is not built when the directory is empty', async () => {
    const answer = await serveConsoleFile(join(parent, 'nowhere'), '/');
    expect(answer.statusCode).toBe(503);
    expect(answer.body.toString()).toContain('npm run build:console');
  });
});

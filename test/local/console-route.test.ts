/** PORT serves the admin console at GET / beside the admin API, /health and the PutEvents ingest (docs/contract.md#local-runtime, #console). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/local-service';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.stop());

describe('the console on the local port', () => {
  it('answers GET / and browser routes with the console page and its security headers', async () => {
    for (const path of ['/', '/webhooks/wh_123', '/failure-logs']) {
      const response = await fetch(`${service.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(await response.text()).toContain('<div id="root">');
    }
  });

  it('serves the built script as JavaScript', async () => {
    const html = await (await fetch(`${service.url}/`)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const response = await fetch(`${service.url}${script}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('leaves the admin API, /health and other methods as they were', async () => {
    expect((await fetch(`${service.url}/v1/webhooks`)).status).toBe(401);
    expect((await fetch(`${service.url}/v1/nothing-here`)).status).toBe(401);
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    expect((await service.api('GET', '/v1/event-types')).status).toBe(200);
    // Not a GET: no SPA fallback, the API's own answer.
    const post = await fetch(`${service.url}/webhooks`, { method: 'POST' });
    expect(post.status).toBe(404);
    expect(post.headers.get('content-type')).toContain('application/json');
  });
});

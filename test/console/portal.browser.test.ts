/**
 * The tenant portal in a real browser: the example host page (examples/portal-host) on another
 * loopback origin frames the console in portal mode. The tenant's webhooks show; a `read` session sees
 * no write action and the API refuses its writes; the link's token never appears in a request line or
 * a Referer and leaves the address bar; a replayed link says it expired; an origin outside
 * PORTAL_ALLOWED_ORIGINS cannot frame it; axe finds nothing serious in light or dark, at 1280 and 360 px.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserAvailable,
  type ConsoleService,
  checkAccessibility,
  eventually,
  launchBrowser,
  openPage,
  seriousViolations,
  startConsoleService,
} from '#test/support/console-browser';

const PLATFORM_TOKEN = 'platform-token-for-the-portal-test-0123';
const HOST_SERVER = new URL('../../examples/portal-host/server.mjs', import.meta.url).pathname;
const screenshotDir = process.env.PORTAL_SCREENSHOT_DIR;

/** A free port on `host`. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Starts the example host page server on `host:port`, as a platform would run it. */
async function startHost(host: string, port: number, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [HOST_SERVER], {
    env: { ...process.env, HOST: host, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`host page server exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('host page on')) resolve();
    });
  });
  return child;
}

describe.runIf(browserAvailable())('tenant portal framed by a host page in chromium', () => {
  let service: ConsoleService;
  let browser: Browser;
  let host: ChildProcess | undefined;
  let stranger: ChildProcess | undefined;
  let hostUrl: string;
  let strangerUrl: string;

  beforeAll(async () => {
    const [hostPort, strangerPort] = await Promise.all([freePort('127.0.0.2'), freePort('127.0.0.3')]);
    hostUrl = `http://127.0.0.2:${hostPort}`;
    strangerUrl = `http://127.0.0.3:${strangerPort}`;
    [service, browser] = await Promise.all([
      startConsoleService({ PLATFORM_TOKENS: PLATFORM_TOKEN, PORTAL_ALLOWED_ORIGINS: hostUrl }),
      launchBrowser(),
    ]);
    const hostEnv = {
      WEBHOOKS_API: service.url,
      PLATFORM_TOKEN,
      TENANT_ID: 'tenant-a',
      CAPABILITIES: 'read',
    };
    [host, stranger] = await Promise.all([
      startHost('127.0.0.2', hostPort, hostEnv),
      startHost('127.0.0.3', strangerPort, hostEnv),
    ]);
    for (const name of ['CRM sync', 'Ticket archive']) {
      const created = await service.api('POST', '/v1/webhooks', {
        name,
        events: ['conversation.created'],
        url: `https://hooks.example.com/${name.replace(' ', '-').toLowerCase()}`,
      });
      expect(created.status).toBe(201);
    }
  }, 180_000);

  afterAll(async () => {
    host?.kill();
    stranger?.kill();
    await browser?.close();
    await service?.stop();
  });

  /** The portal's frame once its Webhooks screen shows. */
  async function portalFrame(page: Page): Promise<Frame> {
    return eventually(async () => {
      const frame = page.frames().find((candidate) => candidate.url().startsWith(`${service.url}/portal`));
      if (!frame) return undefined;
      const heading = frame.getByRole('heading', { level: 1, name: 'Webhooks' });
      return (await heading.count()) > 0 ? frame : undefined;
    }, 'the framed portal');
  }

  it("shows the tenant's webhooks in the host's frame, read-only, without the token in any request or Referer", async () => {
    const { context, page, watch } = await openPage(browser, hostUrl);
    const tokenLeaks: string[] = [];
    let sessionToken: string | undefined;
    context.on('request', (request) => {
      const authorization = request.headers().authorization ?? '';
      if (authorization.startsWith('Bearer pts_')) sessionToken = authorization.slice('Bearer '.length);
      const referer = request.headers().referer ?? '';
      if (/ptl_|pts_/.test(request.url()) || /ptl_|pts_/.test(referer)) tokenLeaks.push(request.url());
    });
    await page.goto(`${hostUrl}/`);
    const frame = await portalFrame(page);
    await frame.getByRole('link', { name: 'CRM sync' }).waitFor();
    await frame.getByRole('link', { name: 'Ticket archive' }).waitFor();
    // Read only: no "Add Webhook", no row menu; the token left the address bar at once.
    expect(await frame.getByRole('button', { name: 'Add Webhook' }).count()).toBe(0);
    expect(await frame.getByRole('button', { name: /More actions for/ }).count()).toBe(0);
    expect(frame.url()).toBe(`${service.url}/portal`);
    // The API refuses the write the screen does not offer.
    expect(sessionToken).toMatch(/^pts_/);
    const refused = await fetch(`${service.url}/portal/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sessionToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'x',
        events: ['conversation.created'],
        url: 'https://hooks.example.com/x',
      }),
    });
    expect(refused.status).toBe(403);
    // A detail screen keeps the portal's path, so a reload in the frame stays framable.
    await frame.getByRole('link', { name: 'CRM sync' }).click();
    await frame.getByRole('heading', { level: 1, name: 'CRM sync' }).waitFor();
    expect(new URL(frame.url()).pathname).toMatch(/^\/portal\/webhooks\/wh_/);
    expect(await frame.getByRole('button', { name: 'Reveal secret' }).count()).toBe(0);
    expect(tokenLeaks).toEqual([]);
    expect(watch.foreignRequests.filter((url) => !url.startsWith(service.url))).toEqual([]);
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    for (const width of [1280, 360]) {
      it(`is axe-clean and usable ${scheme} at ${width} px inside the frame`, async () => {
        const { context, page, watch } = await openPage(browser, hostUrl, {
          viewport: { width, height: 800 },
          colorScheme: scheme,
        });
        await page.goto(`${hostUrl}/?scheme=${scheme}&accent=5b3cc4`);
        const frame = await portalFrame(page);
        await frame.getByRole('link', { name: 'CRM sync' }).waitFor();
        const background = await frame.evaluate('getComputedStyle(document.body).backgroundColor');
        expect(background).toBe(scheme === 'dark' ? 'rgb(18, 20, 23)' : 'rgb(255, 255, 255)');
        // Nothing overflows sideways at 360 px.
        const overflow = await frame.evaluate(
          'document.documentElement.scrollWidth - document.documentElement.clientWidth',
        );
        expect(overflow as number).toBeLessThanOrEqual(0);
        const summary = await checkAccessibility(page, `portal ${scheme} ${width}px`, watch);
        expect(seriousViolations(summary)).toEqual([]);
        if (screenshotDir) {
          await mkdir(screenshotDir, { recursive: true });
          await page.screenshot({ path: join(screenshotDir, `portal-${scheme}-${width}.png`) });
        }
        expect(watch.errors).toEqual([]);
        await context.close();
      });
    }
  }

  it('shows "This link has expired — reopen it from your admin" for a replayed link', async () => {
    const minted = await fetch(`${hostUrl}/portal-link`, { method: 'POST' });
    const { url } = (await minted.json()) as { url: string };
    const { context, page } = await openPage(browser, service.url);
    await page.goto(url);
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    const second = await browser.newContext();
    const replay = await second.newPage();
    await replay.goto(url);
    await replay
      .getByRole('heading', { level: 1, name: 'This link has expired — reopen it from your admin' })
      .waitFor();
    await second.close();
    await context.close();
  });

  it('cannot be framed by an origin outside PORTAL_ALLOWED_ORIGINS, nor can the plain console be framed', async () => {
    const { context, page } = await openPage(browser, strangerUrl);
    const refusals: string[] = [];
    page.on('console', (message) => {
      if (/frame-ancestors/.test(message.text())) refusals.push(message.text());
    });
    await page.goto(`${strangerUrl}/`);
    await eventually(async () => (refusals.length > 0 ? true : undefined), 'the CSP refusal to frame');
    const framed = page.frames().find((frame) => frame !== page.mainFrame());
    expect(await framed?.getByRole('heading', { name: 'Webhooks' }).count()).toBe(0);
    // The allowed host cannot frame the plain console either: only /portal may be framed.
    const allowed = await context.newPage();
    const plainRefusals: string[] = [];
    allowed.on('console', (message) => {
      if (/frame-ancestors|X-Frame-Options/.test(message.text())) plainRefusals.push(message.text());
    });
    await allowed.goto(`${hostUrl}/`);
    await allowed.evaluate(
      `(() => { const frame = document.createElement('iframe'); frame.title = 'plain console'; ` +
        `frame.src = ${JSON.stringify(`${service.url}/`)}; document.body.append(frame); })()`,
    );
    await eventually(async () => (plainRefusals.length > 0 ? true : undefined), 'the refusal to frame /');
    await context.close();
  });
});

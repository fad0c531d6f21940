/**
 * What a new user trips over, in chromium against `npm start`: a webhook whose circuit is open says so
 * in its row ("circuit open until …"), its health box says why it fails, the Deliveries screen names
 * each delivery's webhook, a webhook page's delivery filters live in the URL, focus lands on the new
 * webhook's heading after "Add", and the page loads without a 404 (its favicon). Each screen passes
 * axe at desktop width and at 360 px in dark mode; screenshots go to GLANCE_SHOTS when it is set.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addWebhooks,
  browserAvailable,
  type ConsoleRig,
  type ConsoleService,
  eventually,
  expectAccessible,
  messageCreated,
  openSignedInPages,
  type PageWatch,
  startConsoleRig,
} from '#test/support/console-browser';

const SHOTS = process.env.GLANCE_SHOTS;

describe.runIf(browserAvailable())('admin console: what a new user trips over', () => {
  let rig: ConsoleRig;
  let service: ConsoleService;
  let page: Page;
  let watch: PageWatch;
  let mobile: Page;
  let mobileWatch: PageWatch;
  let receiverUrl: string;
  /** Same-origin answers of 400 and above other than the API's (which the console handles). */
  const brokenLoads: string[] = [];
  let ids: Record<string, string> = {};

  async function check(name: string, on: Page = page, onWatch: PageWatch = watch): Promise<void> {
    await expectAccessible(on, name, onWatch, { shotsDir: SHOTS });
  }

  beforeAll(async () => {
    // /ok answers 204, /fail 500. Two failures open a circuit, which then stays open for ten
    // minutes: long past this test.
    rig = await startConsoleRig({
      receiver: { byPath: { '/fail': 500 }, otherwise: 204 },
      env: { CIRCUIT_FAILURE_THRESHOLD: '2', CIRCUIT_COOLDOWN_MS: '600000' },
    });
    service = rig.service;
    receiverUrl = rig.receiver.url;
    ids = await addWebhooks(service, receiverUrl, [
      ['Healthy hook', 'ok'],
      ['Failing hook', 'fail'],
    ]);
    await service.publish(['evt_new_1', 'evt_new_2', 'evt_new_3', 'evt_new_4'].map(messageCreated));
    await eventually(
      async () => {
        const failing = await service.api('GET', `/v1/webhooks/${ids.fail}`);
        const healthy = await service.api('GET', `/v1/webhooks/${ids.ok}`);
        return failing.body.health?.circuitOpenUntil && healthy.body.health?.lastOutcome === 'succeeded'
          ? true
          : undefined;
      },
      'a healthy webhook and one whose circuit is open',
      60_000,
    );
    ({ page, watch, mobile, mobileWatch } = await openSignedInPages(rig.browser, service.url, (desktop) =>
      desktop.on('response', (response) => {
        const url = new URL(response.url());
        if (response.status() >= 400 && !url.pathname.startsWith('/v1/')) brokenLoads.push(url.pathname);
      }),
    ));
  }, 150_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('says "circuit open until" in the webhook’s row, and its health box says why it fails', async () => {
    const failing = page
      .getByRole('list', { name: 'Active webhooks' })
      .getByRole('listitem')
      .filter({ hasText: 'Failing hook' });
    await failing.getByText(/Circuit open until .*: deliveries paused after repeated failures/).waitFor();
    expect(await failing.textContent()).toMatch(/0 % of \d+ attempts? succeeded \(24 h\)/);
    await check('webhooks list with an open circuit');
    await mobile
      .getByRole('list', { name: 'Active webhooks' })
      .getByText(/Circuit open until/)
      .waitFor();
    await check('webhooks list with an open circuit 360 dark', mobile, mobileWatch);

    await failing.getByRole('link', { name: 'Failing hook' }).click();
    const health = page.getByRole('region', { name: 'Health' });
    await health.getByText(/Circuit open until/).waitFor();
    await health.getByText('Why it fails').waitFor();
    await health.getByText(/answered (HTTP )?500/i).waitFor();
    await health.getByRole('link', { name: 'latest failed delivery' }).waitFor();
    await check('webhook detail with an open circuit');
  });

  /** An event the failing webhook made a request for (one postponed by its open circuit has no record yet). */
  async function failedEventId(): Promise<string> {
    const log = await service.api('GET', `/v1/deliveries?webhookId=${ids.fail}`);
    return log.body.items[0].eventId;
  }

  it('names the webhook of each delivery on the Deliveries screen', async () => {
    await page.goto(`${service.url}/deliveries?eventId=${await failedEventId()}`);
    const rows = page.getByRole('list', { name: 'Deliveries' }).getByRole('listitem');
    await rows.filter({ hasText: 'to Healthy hook' }).waitFor();
    await rows.filter({ hasText: 'to Failing hook' }).waitFor();
    expect(await rows.count()).toBe(2);
    await rows.getByRole('link', { name: 'Healthy hook' }).click();
    await page.getByRole('heading', { level: 1, name: 'Healthy hook' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/webhooks/${ids.ok}`);
  });

  it('keeps a webhook page’s delivery filters in the URL, so a reload shows the same list', async () => {
    await page.goto(`${service.url}/webhooks/${ids.fail}`);
    const list = page.getByRole('region', { name: 'Recent deliveries' });
    await list.getByLabel('Delivery status').selectOption('succeeded');
    await list.getByText('No deliveries match.').waitFor();
    expect(new URL(page.url()).searchParams.get('status')).toBe('succeeded');
    const eventId = await failedEventId();
    await list.getByLabel('Event id').fill(eventId);
    await list.getByRole('button', { name: 'Search' }).click();
    await list.getByLabel('Delivery status').selectOption('');
    await list.getByRole('list', { name: 'Deliveries' }).getByText(new RegExp(eventId)).waitFor();
    expect(new URL(page.url()).searchParams.get('eventId')).toBe(eventId);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Failing hook' }).waitFor();
    const again = page.getByRole('region', { name: 'Recent deliveries' });
    expect(await again.getByLabel('Event id').inputValue()).toBe(eventId);
    const rows = again.getByRole('list', { name: 'Deliveries' }).getByRole('listitem');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    await check('webhook detail with delivery filters from the URL');
  });

  it('moves focus to the new webhook’s heading after "Add"', async () => {
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('button', { name: 'Add Webhook' }).click();
    const formHeading = page.getByRole('heading', { level: 1, name: 'Add Webhook' });
    await formHeading.waitFor();
    // A change of screen puts focus on its heading.
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Add Webhook');
    await page.getByLabel('Name', { exact: true }).fill('Focus hook');
    await page.getByRole('checkbox', { name: 'Message Created' }).check();
    await page.getByRole('textbox', { name: 'Destination URL' }).fill(`${receiverUrl}/ok`);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const heading = page.getByRole('heading', { level: 1, name: 'Focus hook' });
    await heading.waitFor();
    await page.waitForFunction("document.activeElement?.textContent === 'Focus hook'");
    expect(await page.evaluate('document.activeElement?.tagName')).toBe('H1');
  });

  it('loads without a 404: the favicon is served', async () => {
    const icon = await fetch(`${service.url}/favicon.svg`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    await page.reload();
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    expect(brokenLoads).toEqual([]);
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.errors).toEqual([]);
    expect(mobileWatch.errors).toEqual([]);
  });
});

/**
 * "See trouble at a glance" in chromium: every Webhooks row says its state and 24 h success rate in
 * words (healthy, failing since, disabled by the service), the detail page charts deliveries with a
 * table alternative, the Deliveries screen finds every delivery of one event by its id, filters live
 * in the URL, a failed load offers Retry. Each screen passes axe at desktop width and at 360 px in
 * dark mode; screenshots go to GLANCE_SHOTS when it is set.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addWebhooks,
  browserAvailable,
  type ConsoleRig,
  type ConsoleService,
  eventually,
  expectAccessible,
  messageCreated,
  openPage,
  openSignedInPages,
  type PageWatch,
  signIn,
  startConsoleRig,
} from '#test/support/console-browser';

const SHOTS = process.env.GLANCE_SHOTS;

describe.runIf(browserAvailable())('admin console: trouble at a glance', () => {
  let rig: ConsoleRig;
  let service: ConsoleService;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;
  let mobile: Page;
  let mobileWatch: PageWatch;
  let ids: Record<string, string> = {};

  async function check(name: string, on: Page = page, onWatch: PageWatch = watch): Promise<void> {
    await expectAccessible(on, name, onWatch, { shotsDir: SHOTS });
  }

  beforeAll(async () => {
    // /ok answers 204, /fail 500, /gone 410 (which makes the service disable the webhook).
    rig = await startConsoleRig({ receiver: { byPath: { '/fail': 500, '/gone': 410 }, otherwise: 204 } });
    ({ service, browser } = rig);
    ids = await addWebhooks(service, rig.receiver.url, [
      ['Healthy hook', 'ok'],
      ['Failing hook', 'fail'],
      ['Gone hook', 'gone'],
    ]);
    await service.publish([messageCreated('evt_glance_1')]);
    await eventually(async () => {
      const gone = await service.api('GET', `/v1/webhooks/${ids.gone}`);
      const failing = await service.api('GET', `/v1/webhooks/${ids.fail}`);
      const healthy = await service.api('GET', `/v1/webhooks/${ids.ok}`);
      return gone.body.status === 'inactive' &&
        failing.body.health?.failingSince &&
        healthy.body.health?.lastOutcome === 'succeeded'
        ? true
        : undefined;
    }, 'one healthy, one failing and one disabled webhook');
    ({ page, watch, mobile, mobileWatch } = await openSignedInPages(browser, service.url));
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('says each webhook’s state and 24 h success rate in words in every row', async () => {
    const active = page.getByRole('list', { name: 'Active webhooks' });
    const healthy = active.getByRole('listitem').filter({ hasText: 'Healthy hook' });
    await healthy.getByText('Healthy', { exact: true }).waitFor();
    expect(await healthy.textContent()).toMatch(/100 % of 1 attempt succeeded \(24 h\)/);
    const failing = active.getByRole('listitem').filter({ hasText: 'Failing hook' });
    await failing.getByText(/Failing since/).waitFor();
    expect(await failing.textContent()).toMatch(/0 % of \d+ attempts? succeeded \(24 h\)/);
    await check('webhooks list');

    await page.getByRole('tab', { name: 'Inactive' }).click();
    const gone = page.getByRole('list', { name: 'Inactive webhooks' }).getByRole('listitem');
    await gone.getByText(/Disabled by the service: .*410/).waitFor();
    // The tab is in the URL: a reload shows the same list.
    expect(page.url()).toContain('status=inactive');
    await page.reload();
    await page.getByRole('list', { name: 'Inactive webhooks' }).getByText('Gone hook').waitFor();
    await check('webhooks list inactive');

    await mobile
      .getByRole('list', { name: 'Active webhooks' })
      .getByText(/Failing since/)
      .waitFor();
    await check('webhooks list 360px dark', mobile, mobileWatch);
  });

  it('charts deliveries over time on the detail page, with the numbers as a table', async () => {
    for (const [on, onWatch, suffix] of [
      [page, watch, ''],
      [mobile, mobileWatch, ' 360px dark'],
    ] as const) {
      await on.goto(`${service.url}/webhooks/${ids.fail}`);
      const chart = on.getByRole('region', { name: 'Deliveries over time' });
      await chart
        .getByText(/0 succeeded and [1-9]\d* failed attempts in the last 24 hours/)
        .first()
        .waitFor();
      await chart
        .getByRole('img', { name: /Bar chart/ })
        .first()
        .waitFor();
      await chart.getByText('Show as a table').first().click();
      const table = chart.getByRole('table', { name: /Attempts per hour, last 24 hours/ });
      await table.waitFor();
      expect(await table.getByRole('row').count()).toBeGreaterThan(1);
      await on
        .getByRole('region', { name: 'Health' })
        .getByText(/Failing since/)
        .waitFor();
      await check(`detail chart${suffix}`, on, onWatch);
    }
    await page.getByRole('tab', { name: '7 days' }).click();
    await page.getByText(/failed attempts in the last 7 days/).waitFor();
  });

  it('finds every delivery of one event by its id on the Deliveries screen, with the search in the URL', async () => {
    await eventually(async () => {
      const found = await service.api('GET', '/v1/deliveries?eventId=evt_glance_1');
      return found.status === 200 && found.body.items.length === 3 ? true : undefined;
    }, 'three deliveries of evt_glance_1');
    await page.getByRole('link', { name: 'Deliveries' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Deliveries' }).waitFor();
    await page.getByLabel('Event id').fill('evt_glance_1');
    await page.getByRole('button', { name: 'Search' }).click();
    expect(page.url()).toContain('eventId=evt_glance_1');
    const rows = page.getByRole('list', { name: 'Deliveries' }).getByRole('listitem');
    await eventually(async () => ((await rows.count()) === 3 ? true : undefined), 'three rows');
    await check('deliveries search');
    await page.getByLabel('Delivery status').selectOption('failed');
    await eventually(async () => ((await rows.count()) === 2 ? true : undefined), 'two failed rows');
    expect(page.url()).toContain('status=failed');

    await mobile.goto(`${service.url}/deliveries?eventId=evt_glance_1`);
    await mobile.getByRole('list', { name: 'Deliveries' }).getByRole('listitem').nth(2).waitFor();
    await check('deliveries search 360px dark', mobile, mobileWatch);

    await page.getByLabel('Event id').fill('evt_nobody_sent');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No delivery of event evt_nobody_sent.').waitFor();
  });

  it('shows the rotation dialog with its overlap choice at 360 px in dark mode', async () => {
    await mobile.goto(`${service.url}/webhooks/${ids.ok}`);
    await mobile.getByRole('button', { name: 'More actions for Healthy hook' }).click();
    await mobile.getByRole('menuitem', { name: 'Rotate secret' }).click();
    const confirm = mobile.getByRole('alertdialog', { name: /Rotate the signing secret/ });
    await confirm.getByRole('radio', { name: '7 days' }).waitFor();
    await check('rotation dialog 360px dark', mobile, mobileWatch);
    await confirm.getByRole('button', { name: 'Cancel' }).click();

    await page.goto(`${service.url}/webhooks/${ids.ok}`);
    await page.getByRole('button', { name: 'More actions for Healthy hook' }).click();
    await page.getByRole('menuitem', { name: 'Rotate secret' }).click();
    const desktop = page.getByRole('alertdialog', { name: /Rotate the signing secret/ });
    await desktop.getByRole('radio', { name: '7 days' }).waitFor();
    await check('rotation dialog', page, watch);
    await desktop.getByRole('button', { name: 'Cancel' }).click();
  });

  it('offers Retry when the service does not answer', async () => {
    const { page: offline, watch: offlineWatch } = await openPage(browser, service.url);
    await signIn(offline, service.url);
    await offline.route('**/v1/webhooks?**', (route) => route.abort('connectionrefused'));
    await offline.reload();
    const alert = offline.getByRole('alert').filter({ hasText: 'Could not load webhooks' });
    await alert.getByText(/The service did not answer/).waitFor({ timeout: 30_000 });
    await offline.unroute('**/v1/webhooks?**');
    await alert.getByRole('button', { name: 'Retry' }).click();
    await offline.getByRole('list', { name: 'Active webhooks' }).waitFor();
    expect(offlineWatch.foreignRequests).toEqual([]);
    await offline.context().close();
  });

  it('moves focus to the screen heading after sign-in', async () => {
    const { page: fresh } = await openPage(browser, service.url);
    await signIn(fresh, service.url);
    await eventually(
      async () =>
        (await fresh.evaluate('document.activeElement?.textContent')) === 'Webhooks' ? true : undefined,
      'focus on the Webhooks heading',
    );
    await fresh.context().close();
  });

  it('offers "Activate" when a resend fails because the webhook is inactive', async () => {
    await service.api('POST', `/v1/webhooks/${ids.ok}/deactivate`);
    const delivery = await eventually(async () => {
      const found = await service.api('GET', `/v1/deliveries?webhookId=${ids.ok}`);
      return found.body.items?.[0]?.id as string | undefined;
    }, 'the healthy hook’s delivery');
    await page.goto(`${service.url}/deliveries/${delivery}`);
    await page.getByRole('button', { name: 'Resend' }).click();
    await page.getByText(/This webhook is inactive/).waitFor();
    expect(await page.getByText(/\/v1\//).count()).toBe(0);
    await check('error offering Activate');
    await page.getByRole('button', { name: 'Activate' }).click();
    await page.getByText('The webhook is active again. Try again now.').waitFor();
    expect((await service.api('GET', `/v1/webhooks/${ids.ok}`)).body.status).toBe('active');
  });

  it('loaded nothing from another origin', () => {
    expect(watch.foreignRequests).toEqual([]);
    expect(mobileWatch.foreignRequests).toEqual([]);
  });
});

/**
 * The seed's whole admin flow in a real browser (docs/contract.md#console), by accessible names: sign in,
 * add with a field error then a valid save, deactivate (keyboard only), activate, send test, rotate,
 * delete with "Yes, Delete", a failure log redelivered; axe (WCAG 2 A/AA) on every screen; 360 px
 * and dark. Runs against `npm start`; the delivery-log views are in console-deliveries.browser.test.ts.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AxeSummary,
  browserAvailable,
  type ConsoleRig,
  type ConsoleService,
  eventually,
  expectAccessible,
  messageCreated,
  openPage,
  type PageWatch,
  signIn,
  startConsoleRig,
} from '#test/support/console-browser';

const screenshotDir = process.env.CONSOLE_SCREENSHOT_DIR;

describe.runIf(browserAvailable())('admin console in chromium', () => {
  let rig: ConsoleRig;
  let service: ConsoleService;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;
  let receiverUrl: string;
  let received: string[] = [];
  const axe: AxeSummary[] = [];

  /** axe on the current screen; no serious or critical violation allowed. */
  async function axeScreen(name: string, on: Page = page, onWatch: PageWatch = watch): Promise<void> {
    await expectAccessible(on, name, onWatch, { record: axe });
  }

  beforeAll(async () => {
    rig = await startConsoleRig();
    ({ service, browser } = rig);
    receiverUrl = rig.receiver.url;
    received = rig.receiver.received;
    ({ page, watch } = await openPage(browser, service.url));
  }, 120_000);

  afterAll(async () => {
    if (axe.length > 0) {
      process.stdout.write(
        `axe (WCAG 2 A/AA) per screen:\n${axe
          .map(
            (entry) =>
              `  ${entry.screen}: ${entry.violations.length === 0 ? 'no violations' : entry.violations.map((v) => `${v.id} (${v.impact}, ${v.nodes})`).join(', ')}`,
          )
          .join('\n')}\n`,
      );
    }
    await rig?.close();
  });

  it('serves the console at GET / and signs in with the admin token', async () => {
    await page.goto(`${service.url}/`);
    await page.getByLabel('Admin token').waitFor();
    await axeScreen('sign-in');
    await page.getByLabel('Admin token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That admin token was not accepted.').waitFor();
    await signIn(page, service.url);
    expect(await page.evaluate('Object.keys(sessionStorage).length')).toBe(1);
    expect(await page.evaluate('Object.keys(localStorage).length')).toBe(0);
    await axeScreen('webhooks (empty)');
  });

  it('adds a webhook: the API field error shows beside its field, then a valid save', async () => {
    await page.getByRole('button', { name: 'Add Webhook' }).click();
    await page.getByRole('heading', { level: 1, name: 'Add Webhook' }).waitFor();
    await axeScreen('add webhook form');
    await page.getByLabel('Name', { exact: true }).fill('Orders hook');
    await page.getByLabel('Description').fill('Sends conversations to the order system');
    await page.getByRole('checkbox', { name: 'Conversation Created' }).check();
    await page.getByRole('checkbox', { name: 'Message Created' }).check();
    await page.getByText('Sample payload of Conversation Created', { exact: true }).click();
    await page.getByRole('region', { name: 'Sample payload of Conversation Created' }).waitFor();
    const url = page.getByRole('textbox', { name: 'Destination URL' });
    await url.fill('https://169.254.169.254/latest');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'was not saved' }).waitFor();
    expect(await url.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await url.getAttribute('aria-describedby')) ?? '';
    const errorText = await page.locator(`[id="${describedBy.split(' ').at(-1)}"]`).textContent();
    expect(errorText).toMatch(/\S/);
    await axeScreen('add webhook form with a field error');

    await page.getByRole('checkbox', { name: 'Enable Authentication' }).check();
    await page.getByLabel('Authentication type').selectOption('bearer');
    await page.getByLabel('Token').fill('receiver-token-123');
    await page.getByRole('button', { name: 'Add header' }).click();
    await page.getByLabel('Header 1 name').fill('X-Team');
    await page.getByLabel('Header 1 value').fill('orders');
    // docs/contract.md#secret-headers: a header marked secret is sent write-only and shown masked.
    await page.getByRole('button', { name: 'Add header' }).click();
    await page.getByLabel('Header 2 name').fill('X-Api-Secret');
    await page.getByRole('checkbox', { name: 'Header 2 is secret' }).check();
    await page.getByLabel('Header 2 value').fill('console-hdr-Secret-2f9');
    await url.fill(`${receiverUrl}/ok`);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Orders hook' }).waitFor();
    await page.getByText('Orders hook was added.').waitFor();
    const list = await service.api('GET', '/v1/webhooks?status=active');
    expect(list.body.items).toMatchObject([
      {
        name: 'Orders hook',
        url: `${receiverUrl}/ok`,
        events: ['conversation.created', 'message.created'],
        authentication: { type: 'bearer' },
        headers: { 'X-Team': 'orders', 'X-Api-Secret': { secret: true } },
        signing: { enabled: true },
      },
    ]);
    await page.getByText('X-Api-Secret (secret: ****)').waitFor();
    expect(await page.content()).not.toContain('console-hdr-Secret-2f9');
    expect(JSON.stringify(list.body)).not.toContain('console-hdr-Secret-2f9');
  });

  it('reveals and copies the signing secret on the detail screen', async () => {
    await page.getByRole('button', { name: 'Reveal secret' }).click();
    const secret = await page.locator('code.secret').textContent();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    await page.getByRole('button', { name: 'Hide secret' }).waitFor();
    await axeScreen('webhook detail');
  });

  it('deactivates with the keyboard alone, then activates from the Inactive tab', async () => {
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    const menuButton = page.getByRole('button', { name: 'More actions for Orders hook' });
    await menuButton.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('menu').waitFor();
    await axeScreen('row menu open');
    // Edit, Send test, Deactivate: the third item.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect(
      page
        .getByRole('menuitem', { name: 'Deactivate' })
        .evaluate((element: any) => element === element.ownerDocument.activeElement),
    ).resolves.toBe(true);
    await page.keyboard.press('Enter');
    await page.getByText('Orders hook is now inactive.').waitFor();
    expect((await service.api('GET', '/v1/webhooks?status=inactive')).body.items).toHaveLength(1);

    await page.getByRole('tab', { name: 'Inactive' }).click();
    await page
      .getByRole('tabpanel', { name: 'Inactive' })
      .getByRole('link', { name: 'Orders hook' })
      .waitFor();
    await axeScreen('webhooks (inactive tab)');
    await page.getByRole('button', { name: 'More actions for Orders hook' }).click();
    await page.getByRole('menuitem', { name: 'Activate' }).click();
    await page.getByText('Orders hook is now active.').waitFor();
    await page.getByRole('tab', { name: 'Active', exact: true }).click();
    await page
      .getByRole('tabpanel', { name: 'Active', exact: true })
      .getByRole('link', { name: 'Orders hook' })
      .waitFor();
  });

  it('filters by brand and searches by name or URL', async () => {
    await service.api('POST', '/v1/webhooks', {
      name: 'Brand two CRM',
      brandId: 'brand-2',
      events: ['message.created'],
      url: `${receiverUrl}/crm`,
    });
    await page.reload();
    const active = page.getByRole('tabpanel', { name: 'Active', exact: true });
    await active.getByRole('link', { name: 'Brand two CRM' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search' }).fill('/crm');
    await active.getByRole('link', { name: 'Orders hook' }).waitFor({ state: 'detached' });
    await active.getByRole('link', { name: 'Brand two CRM' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await page.getByRole('textbox', { name: 'Brand' }).fill('brand-2');
    await active.getByRole('link', { name: 'Orders hook' }).waitFor({ state: 'detached' });
    await page.getByRole('textbox', { name: 'Brand' }).fill('');
    await active.getByRole('link', { name: 'Orders hook' }).waitFor();
  });

  it('sends a test delivery and rotates the secret from the row menu', async () => {
    const before = received.filter((path) => path === '/ok').length;
    await page.getByRole('button', { name: 'More actions for Orders hook' }).click();
    await page.getByRole('menuitem', { name: 'Send test' }).click();
    // Send test asks which event type to send: webhook.test unless the admin picks a catalogue type.
    const testDialog = page.getByRole('dialog', { name: 'Send a test to Orders hook' });
    await testDialog.waitFor();
    const typeButton = testDialog.getByRole('button', { name: /Event type/ });
    expect(await typeButton.textContent()).toMatch(/webhook\.test/);
    await typeButton.click();
    await page.getByRole('option', { name: /\(message\.created\)/ }).click();
    expect(await typeButton.textContent()).toMatch(/message\.created/);
    await axeScreen('send test dialog');
    await testDialog.getByRole('button', { name: 'Send test' }).click();
    await page
      .getByText(/Test delivered to Orders hook: HTTP 200 in \d+ ms\. Tests do not count toward health\./)
      .waitFor();
    await testDialog.waitFor({ state: 'detached' });
    expect(received.filter((path) => path === '/ok').length).toBe(before + 1);
    // Recorded in the delivery log as a test, and shown as one.
    const tests = (await service.api('GET', '/v1/deliveries?eventType=message.created')).body.items.filter(
      (item: { test?: boolean }) => item.test,
    );
    expect(tests).toHaveLength(1);
    await page.goto(`${service.url}/deliveries/${encodeURIComponent(tests[0].id)}`);
    await page.getByRole('heading', { level: 1, name: /^Test delivery of / }).waitFor();
    await page.goBack();

    await page.getByRole('button', { name: 'More actions for Orders hook' }).click();
    await page.getByRole('menuitem', { name: 'Rotate secret' }).click();
    // Rotation asks first, and for how long the old secret keeps signing (default 24 hours).
    const confirm = page.getByRole('alertdialog', { name: 'Rotate the signing secret of Orders hook?' });
    await confirm.waitFor();
    expect(await confirm.getByRole('radio', { name: '24 hours' }).isChecked()).toBe(true);
    await confirm.getByText('7 days').click();
    await axeScreen('rotation confirmation');
    await confirm.getByRole('button', { name: 'Rotate secret' }).click();
    const dialog = page.getByRole('dialog', { name: 'New signing secret' });
    await dialog.waitFor();
    expect(await dialog.locator('code.secret').textContent()).toMatch(/^whsec_/);
    expect(await dialog.textContent()).toMatch(/The old secret keeps signing until/);
    await axeScreen('rotated secret dialog');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('edits a webhook: the form is filled in, credentials stay write-only', async () => {
    await page.getByRole('button', { name: 'More actions for Orders hook' }).click();
    await page.getByRole('menuitem', { name: 'Edit' }).click();
    await page.getByRole('heading', { level: 1, name: 'Edit webhook' }).waitFor();
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Orders hook');
    expect(await page.getByLabel('Token').inputValue()).toBe('');
    await page.getByLabel('Description').fill('Edited in the console');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Orders hook was saved.').waitFor();
    const id = (await service.api('GET', '/v1/webhooks?status=active')).body.items.find(
      (webhook: { name: string }) => webhook.name === 'Orders hook',
    ).id;
    const read = await service.api('GET', `/v1/webhooks/${id}`);
    expect(read.body).toMatchObject({
      description: 'Edited in the console',
      authentication: { type: 'bearer' },
    });
  });

  it('opens a failure log with its attempts and redelivers it', async () => {
    const created = await service.api('POST', '/v1/webhooks', {
      name: 'Failing hook',
      events: ['message.created'],
      url: `${receiverUrl}/fail`,
    });
    expect(created.status).toBe(201);
    await service.publish([messageCreated('evt_console_fail_1')]);
    await eventually(async () => {
      const logs = await service.api('GET', `/v1/failure-logs?webhookId=${created.body.id}`);
      return logs.body.items.length > 0 ? true : undefined;
    }, 'a failure log');
    await page.getByRole('link', { name: 'Webhook Failure Logs' }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhook Failure Logs' }).waitFor();
    await axeScreen('webhook failure logs');
    await page.getByRole('link', { name: /Failing hook: Message Created/ }).click();
    await page.getByRole('heading', { level: 1, name: /Failure log: Failing hook/ }).waitFor();
    await page.getByRole('heading', { name: 'Attempt 2: HTTP 500' }).waitFor();
    await axeScreen('failure log detail');
    const before = received.filter((path) => path === '/fail').length;
    await page.getByRole('button', { name: 'Redeliver' }).click();
    await page.getByText('Redelivery enqueued.').waitFor();
    await eventually(
      async () => (received.filter((path) => path === '/fail').length > before ? true : undefined),
      'the redelivery to reach the receiver',
    );
  });

  it('lists rejected events and the event types with schema and sample', async () => {
    await service.publish([
      {
        Source: 'chat.platform',
        DetailType: 'message.created',
        EventBusName: 'chat-events',
        Detail: JSON.stringify({ tenantId: 'tenant-a', data: {} }),
      },
    ]);
    await eventually(async () => {
      const rejected = await service.api('GET', '/v1/rejected-events');
      return rejected.body.items.length > 0 ? true : undefined;
    }, 'a rejected event');
    await page.getByRole('link', { name: 'Rejected events' }).click();
    await page.getByRole('heading', { level: 1, name: 'Rejected events' }).waitFor();
    await page
      .getByText(/message\.created ·/)
      .first()
      .waitFor();
    await axeScreen('rejected events');
    await page.getByRole('link', { name: 'Event types' }).click();
    await page.getByRole('heading', { level: 2, name: 'Message Retracted' }).waitFor();
    await page.getByText('Sample payload of Message Retracted').click();
    await page.getByRole('region', { name: 'Sample payload of Message Retracted' }).waitFor();
    await axeScreen('event types');
  });

  it('deletes with confirmation in an alertdialog ("Yes, Delete"), keyboard only', async () => {
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByRole('button', { name: 'More actions for Failing hook' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('menuitem', { name: 'Delete' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('alertdialog', { name: 'Delete Failing hook?' });
    await dialog.waitFor();
    await axeScreen('delete confirmation');
    // Focus starts on Cancel (the safe choice); Tab moves to "Yes, Delete".
    await page.keyboard.press('Tab');
    await expect(
      dialog
        .getByRole('button', { name: 'Yes, Delete' })
        .evaluate((element: any) => element === element.ownerDocument.activeElement),
    ).resolves.toBe(true);
    await page.keyboard.press('Enter');
    await page.getByText('Failing hook was deleted.').waitFor();
    await page.getByRole('button', { name: 'More actions for Failing hook' }).waitFor({ state: 'detached' });
    const all = await service.api('GET', '/v1/webhooks');
    expect(all.body.items.map((webhook: { name: string }) => webhook.name)).not.toContain('Failing hook');
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, 'console-desktop.png') });
  });

  it('fits 360 px in dark mode, with axe clean there too', async () => {
    const narrow = await openPage(browser, service.url, {
      viewport: { width: 360, height: 780 },
      colorScheme: 'dark',
    });
    try {
      await signIn(narrow.page, service.url);
      const fits = () => narrow.page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');
      expect(await fits()).toBe(true);
      expect(await narrow.page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe(
        'rgb(18, 20, 23)',
      );
      await axeScreen('webhooks (360 px, dark)', narrow.page, narrow.watch);
      if (screenshotDir) await narrow.page.screenshot({ path: join(screenshotDir, 'console-360-dark.png') });
      await narrow.page.getByRole('button', { name: 'Add Webhook' }).click();
      await narrow.page.getByRole('heading', { level: 1, name: 'Add Webhook' }).waitFor();
      expect(await fits()).toBe(true);
      await axeScreen('add webhook form (360 px, dark)', narrow.page, narrow.watch);
      if (screenshotDir)
        await narrow.page.screenshot({
          path: join(screenshotDir, 'console-360-dark-form.png'),
          fullPage: true,
        });
      await narrow.page.getByRole('link', { name: 'Event types' }).click();
      await narrow.page.getByRole('heading', { level: 2, name: 'Message Retracted' }).waitFor();
      expect(await fits()).toBe(true);
      expect(narrow.watch.foreignRequests).toEqual([]);
      expect(narrow.watch.errors).toEqual([]);
    } finally {
      await narrow.context.close();
    }
  });

  it('loaded nothing from another origin and broke no CSP rule', () => {
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.errors).toEqual([]);
  });
});

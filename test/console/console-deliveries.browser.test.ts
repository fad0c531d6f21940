/**
 * The delivery-log views of the console (docs/contract.md#delivery-log, #console) in chromium: a webhook's recent
 * deliveries with filters, a delivery's payload and attempts, "Resend", "Recover failed
 * deliveries" since a time. Needs the delivery-log routes (GET /v1/deliveries, /v1/deliveries/{id},
 * POST .../redeliver, POST /v1/webhooks/{id}/recover); without them these tests fail by design.
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
  openPage,
  type PageWatch,
  signIn,
  startConsoleRig,
} from '#test/support/console-browser';

describe.runIf(browserAvailable())('admin console delivery views in chromium', () => {
  let rig: ConsoleRig;
  let service: ConsoleService;
  let page: Page;
  let watch: PageWatch;
  let received: string[] = [];
  let okHook: { id: string };
  let failingHook: { id: string };

  async function axeClean(name: string): Promise<void> {
    await expectAccessible(page, name, watch);
  }

  beforeAll(async () => {
    rig = await startConsoleRig();
    service = rig.service;
    received = rig.receiver.received;
    const probe = await service.api('GET', '/v1/deliveries');
    if (probe.status !== 200) {
      throw new Error(
        `GET /v1/deliveries answered ${probe.status}: the delivery-log routes of docs/contract.md#delivery-log are missing, so the console's delivery views cannot work`,
      );
    }
    ({ page, watch } = await openPage(rig.browser, service.url));
    const ids = await addWebhooks(service, rig.receiver.url, [
      ['Delivered hook', 'ok'],
      ['Failing deliveries', 'fail'],
    ]);
    okHook = { id: ids.ok! };
    failingHook = { id: ids.fail! };
    await service.publish([messageCreated('evt_console_delivery_1')]);
    await signIn(page, service.url);
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('lists a webhook’s deliveries, filters them, and opens one with payload and attempts', async () => {
    await eventually(async () => {
      const log = await service.api('GET', `/v1/deliveries?webhookId=${okHook.id}&status=succeeded`);
      return log.status === 200 && log.body.items.length > 0 ? true : undefined;
    }, 'a succeeded delivery in the log');
    await page.goto(`${service.url}/webhooks/${okHook.id}`);
    const deliveries = page.getByRole('list', { name: 'Deliveries' });
    await deliveries.getByRole('link', { name: /Message Created · evt_console_delivery_1/ }).waitFor();
    const health = page.getByRole('region', { name: 'Health' });
    await health.getByText(/succeeded · HTTP 200/).waitFor();
    expect(await health.textContent()).toMatch(/Healthy/);
    const match = deliveries.getByRole('link', { name: /evt_console_delivery_1/ });
    const noMatch = page.getByText('No deliveries match.');
    await page.getByLabel('Delivery status').selectOption('failed');
    await noMatch.waitFor();
    await page.getByLabel('Delivery status').selectOption('succeeded');
    await match.waitFor();
    await page.getByLabel('Event type').selectOption('conversation.created');
    await noMatch.waitFor();
    await page.getByLabel('Event type').selectOption('message.created');
    await match.waitFor();
    await page.getByLabel('From').fill('2099-01-01T00:00');
    await noMatch.waitFor();
    await page.getByLabel('From').fill('');
    await page.getByLabel('To').fill('2020-01-01T00:00');
    await noMatch.waitFor();
    await page.getByLabel('To').fill('');
    await match.waitFor();
    await axeClean('webhook detail with deliveries');
    await deliveries.getByRole('link', { name: /evt_console_delivery_1/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Delivery of Message Created' }).waitFor();
    const payload = await page.getByRole('region', { name: 'Payload as sent' }).textContent();
    expect(payload).toContain('evt_console_delivery_1');
    await page.getByRole('heading', { name: 'Attempt 1: HTTP 200' }).waitFor();
    await axeClean('delivery detail');
  });

  it('resends a delivery: the receiver gets it again', async () => {
    const before = received.filter((path) => path === '/ok').length;
    await page.getByRole('button', { name: 'Resend' }).click();
    await page.getByText(/Delivery resent/).waitFor();
    await eventually(
      async () => (received.filter((path) => path === '/ok').length > before ? true : undefined),
      'the resent delivery',
    );
    // The resend's own record links back to the delivery it repeats.
    const originalId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
    const resend = await eventually(async () => {
      const log = await service.api('GET', '/v1/deliveries?eventId=evt_console_delivery_1');
      return log.body.items.find((item: { redeliveryOf?: string }) => item.redeliveryOf === originalId);
    }, 'the resend in the delivery log');
    await page.goto(`${service.url}/deliveries/${encodeURIComponent(resend.id)}`);
    const link = page.getByRole('definition').getByRole('link', { name: originalId });
    await link.waitFor();
    expect(await page.getByRole('term').filter({ hasText: 'Resend of' }).count()).toBe(1);
    await link.click();
    await page.waitForURL(`**/deliveries/${encodeURIComponent(originalId)}`);
  });

  it('recovers failed deliveries since a chosen time', async () => {
    await eventually(async () => {
      const log = await service.api('GET', `/v1/deliveries?webhookId=${failingHook.id}&status=failed`);
      return log.status === 200 && log.body.items.length > 0 ? true : undefined;
    }, 'a failed delivery in the log');
    await page.goto(`${service.url}/webhooks/${failingHook.id}`);
    await page.getByRole('heading', { level: 1, name: 'Failing deliveries' }).waitFor();
    const health = page.getByRole('region', { name: 'Health' });
    await health.getByText(/failed · HTTP 500/).waitFor();
    expect(await health.textContent()).toMatch(/Failing since/);
    const before = received.filter((path) => path === '/fail').length;
    const since = page.getByLabel('Failed since');
    // The API recovers a window of at most 7 days: its field error shows beside the field.
    await since.fill('2020-01-01T00:00');
    await page.getByRole('button', { name: 'Recover failed deliveries' }).click();
    await page.getByText(/at most 7 days/).waitFor();
    expect(await since.getAttribute('aria-invalid')).toBe('true');
    await axeClean('recover with a field error');
    const hourAgo = await page.evaluate(() =>
      new Date(Date.now() - 3_600_000 - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16),
    );
    await since.fill(hourAgo);
    await page.getByRole('button', { name: 'Recover failed deliveries' }).click();
    await page.getByText(/1 failed delivery enqueued again/).waitFor();
    expect(await since.getAttribute('aria-invalid')).toBeNull();
    await eventually(
      async () => (received.filter((path) => path === '/fail').length > before ? true : undefined),
      'the recovered delivery',
    );
    expect(watch.foreignRequests).toEqual([]);
  });

  it('links a failed delivery and its failure log both ways', async () => {
    const failed = await eventually(async () => {
      const log = await service.api('GET', `/v1/deliveries?webhookId=${failingHook.id}&status=failed`);
      const item = log.body.items.find((delivery: { failureLogId?: string }) => delivery.failureLogId);
      return item as { id: string; failureLogId: string } | undefined;
    }, 'a failed delivery with its failure log');
    await page.goto(`${service.url}/deliveries/${encodeURIComponent(failed.id)}`);
    await page.getByRole('heading', { name: 'Attempt 1: HTTP 500' }).waitFor();
    await axeClean('failed delivery detail');
    await page.getByRole('link', { name: failed.failureLogId }).click();
    await page.getByRole('button', { name: 'Redeliver' }).waitFor();
    await page.getByRole('link', { name: failed.id }).click();
    await page.getByRole('heading', { level: 1, name: 'Delivery of Message Created' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/deliveries/${encodeURIComponent(failed.id)}`);
  });

  it('pages through more deliveries than one page holds', async () => {
    expect((await service.api('POST', `/v1/webhooks/${failingHook.id}/deactivate`)).status).toBe(200);
    const ids = Array.from(
      { length: 21 },
      (_, index) => `evt_console_page_${String(index).padStart(2, '0')}`,
    );
    for (let start = 0; start < ids.length; start += 10) {
      await service.publish(ids.slice(start, start + 10).map((id) => messageCreated(id)));
    }
    await eventually(async () => {
      const log = await service.api(
        'GET',
        `/v1/deliveries?webhookId=${okHook.id}&status=succeeded&limit=100`,
      );
      const seen = new Set(log.body.items.map((delivery: { eventId: string }) => delivery.eventId));
      return ids.every((id) => seen.has(id)) ? true : undefined;
    }, 'every paged delivery');
    await page.goto(`${service.url}/webhooks/${okHook.id}`);
    const links = page.getByRole('list', { name: 'Deliveries' }).getByRole('link');
    await links.first().waitFor();
    expect(await links.count()).toBe(20);
    await page.getByRole('button', { name: 'Load more deliveries' }).click();
    // The oldest: the first event and its resend, on the second page.
    await links.filter({ hasText: 'evt_console_delivery_1' }).first().waitFor();
    expect(await links.count()).toBeGreaterThan(20);
  });
});

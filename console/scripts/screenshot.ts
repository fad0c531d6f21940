/**
 * Regenerates docs/console.png, the console screenshot the README and docs/console.md show: the
 * Webhooks list at 1280 × 800 with one healthy and one failing webhook, each with a delivery.
 *
 * It runs what the browser tests run (test/support/console-browser.ts): `npm start` on a fresh data
 * directory with the test tenant, a loopback receiver (`/crm` answers 500, `/orders` 200), one event published
 * through the signed ingest, and Debian's chromium (CHROMIUM_PATH, default /usr/bin/chromium) driven
 * by playwright-core. Dates show in en-US, UTC, so a rerun differs only in them and the port.
 *
 * Usage: `npm run screenshot:console` (writes docs/console.png; `--out <file>` writes elsewhere).
 */
import { fileURLToPath } from 'node:url';
import {
  addWebhooks,
  browserAvailable,
  eventually,
  messageCreated,
  openPage,
  signIn,
  startConsoleRig,
} from '#test/support/console-browser';

const DEFAULT_OUT = fileURLToPath(new URL('../../docs/console.png', import.meta.url));

/** Starts the service, makes a healthy and a failing webhook with one delivery each, and screenshots the list to `out`. */
export async function screenshotConsole(out: string): Promise<void> {
  if (!browserAvailable()) throw new Error('chromium is needed to take the screenshot');
  const rig = await startConsoleRig({ receiver: { byPath: { '/crm': 500 } } });
  try {
    const { service, browser } = rig;
    const ids = await addWebhooks(service, rig.receiver.url, [
      ['Orders system', 'orders'],
      ['CRM sync', 'crm'],
    ]);
    await service.publish([messageCreated('evt_screenshot_1')]);
    // Both rows must say their state: wait until each webhook's health has its first outcome.
    await eventually(async () => {
      const healthy = await service.api('GET', `/v1/webhooks/${ids.orders}`);
      const failing = await service.api('GET', `/v1/webhooks/${ids.crm}`);
      return healthy.body.health?.lastOutcome === 'succeeded' && failing.body.health?.failingSince
        ? true
        : undefined;
    }, 'a healthy and a failing webhook');
    const { page } = await openPage(browser, service.url, {
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    await signIn(page, service.url);
    const active = page.getByRole('list', { name: 'Active webhooks' });
    await active.getByText('Healthy', { exact: true }).waitFor();
    await active.getByText(/Failing since/).waitFor();
    await page.screenshot({ path: out });
  } finally {
    await rig.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const flag = process.argv.indexOf('--out');
  const out = flag >= 0 && process.argv[flag + 1] ? process.argv[flag + 1]! : DEFAULT_OUT;
  await screenshotConsole(out);
  process.stdout.write(`wrote ${out}\n`);
}

/**
 * Browser tests of the admin console: Debian's chromium driven by playwright-core (nothing is
 * downloaded), against `npm start` as a user runs it, with axe (WCAG 2 A/AA) on every screen.
 */

import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import AxeBuilder from '@axe-core/playwright';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core';
import { expect } from 'vitest';
import { killProcessGroupHard, type ServiceProcess, startServiceProcess } from './npm-start-process';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CONSOLE_TOKEN = 'console-admin-token-0123456789';

/**
 * Whether the browser tests can run. Outside CI a missing chromium skips them with a plain
 * message; under CI (CI=true) they run anyway and fail at launch, so a CI without a browser is red.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true') return true;
  process.stderr.write(
    `\nchromium not found at ${CHROMIUM_PATH}: the admin console browser tests are SKIPPED.\n` +
      'Install it with `apt-get update && apt-get install -y chromium` (or set CHROMIUM_PATH).\n\n',
  );
  return false;
}

/** Launches chromium headless; one browser per test file, reused by its tests. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, timeout: 60_000 });
}

export interface ConsoleService {
  service: ServiceProcess;
  url: string;
  dataDir: string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  publish(entries: PutEventsRequestEntry[]): Promise<void>;
  stop(): Promise<void>;
}

/** `npm start` on a free port with a fresh data directory, loopback destinations allowed, fast retries. */
export async function startConsoleService(env: Record<string, string> = {}): Promise<ConsoleService> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cw-console-'));
  const service = await startServiceProcess({
    PORT: '0',
    DATA_DIR: dataDir,
    ADMIN_TOKENS: `${CONSOLE_TOKEN}=tenant-a`,
    ALLOW_INSECURE_LOCALHOST: 'true',
    RETRY_SCHEDULE: '1',
    DELIVERY_TIMEOUT_MS: '2000',
    ...env,
  });
  const events = new EventBridgeClient({
    endpoint: service.url,
    region: 'us-east-1',
    credentials: service.awsKey,
  });
  return {
    service,
    url: service.url,
    dataDir,
    async api(method, path, body) {
      const response = await fetch(`${service.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${CONSOLE_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async publish(entries) {
      const result = await events.send(new PutEventsCommand({ Entries: entries }));
      if (result.FailedEntryCount) throw new Error(`PutEvents failed: ${JSON.stringify(result.Entries)}`);
    },
    async stop() {
      events.destroy();
      await killProcessGroupHard(service.child);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** What a page did that the console must never do: other origins, CSP violations, script errors. */
export interface PageWatch {
  foreignRequests: string[];
  errors: string[];
  /** While axe runs: its own probes set inline styles, which the console's CSP rightly refuses. */
  isAxeRunning: boolean;
}

/** A new context and page that records requests to other origins and console/page errors. */
export async function openPage(
  browser: Browser,
  origin: string,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const watch: PageWatch = { foreignRequests: [], errors: [], isAxeRunning: false };
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith('data:')) watch.foreignRequests.push(url);
  });
  page.on('console', (message) => {
    // 4xx answers the console handles (a 404 the flow provokes) are logged by chromium as errors too.
    if (watch.isAxeRunning && /Applying inline style/.test(message.text())) return;
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) {
      watch.errors.push(message.text());
    }
  });
  page.on('pageerror', (error) => watch.errors.push(String(error)));
  return { context, page, watch };
}

/** axe results of one screen, as the report lists them. */
export interface AxeSummary {
  screen: string;
  violations: { id: string; impact: string | null | undefined; nodes: number; targets: string[] }[];
}

/** Runs axe with the WCAG 2 A/AA rules and returns every violation; callers assert none is serious or critical. */
export async function checkAccessibility(page: Page, screen: string, watch?: PageWatch): Promise<AxeSummary> {
  if (watch) watch.isAxeRunning = true;
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze()
    .finally(() => {
      // Console messages arrive asynchronously; give axe's last ones time to land before watching again.
      setTimeout(() => {
        if (watch) watch.isAxeRunning = false;
      }, 500);
    });
  return {
    screen,
    violations: result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      nodes: violation.nodes.length,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    })),
  };
}

/** The violations of `summary` no screen may have: the serious and critical ones. */
export function seriousViolations(summary: AxeSummary): AxeSummary['violations'] {
  return summary.violations.filter(
    (violation) => violation.impact === 'serious' || violation.impact === 'critical',
  );
}

/** A loopback receiver for the console tests: `/fail` answers 500, any other path 200 (unless told otherwise). */
export interface TestReceiver {
  url: string;
  /** The paths received, in order. */
  received: string[];
  close(): Promise<void>;
}

/** How a TestReceiver answers: a status per path, and one for every other path. */
export interface ReceiverAnswers {
  /** Status by request path (`/fail`, `/gone`, …); default `{ '/fail': 500 }`. */
  byPath?: Record<string, number>;
  /** Status of any other path; default 200. */
  otherwise?: number;
}

/** Starts a TestReceiver on 127.0.0.1. */
export async function startTestReceiver(answers: ReceiverAnswers = {}): Promise<TestReceiver> {
  const byPath = answers.byPath ?? { '/fail': 500 };
  const otherwise = answers.otherwise ?? 200;
  const received: string[] = [];
  const server = createServer((request, response) => {
    received.push(request.url ?? '');
    request.resume();
    // A 204 carries no body: Node drops the 'ok' for it.
    request.on('end', () => response.writeHead(byPath[request.url ?? ''] ?? otherwise).end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What a console browser test runs against: the service (`npm start`), chromium and a receiver. */
export interface ConsoleRig {
  service: ConsoleService;
  browser: Browser;
  receiver: TestReceiver;
  /** Closes the browser, stops the service and closes the receiver. */
  close(): Promise<void>;
}

/**
 * Starts a TestReceiver answering as `receiver` says, then `npm start` (startConsoleService with
 * `env`) and chromium side by side. When one of them fails to start, what did start is closed before
 * the error is thrown, so a failed beforeAll leaves no process behind.
 */
export async function startConsoleRig(
  options: { env?: Record<string, string>; receiver?: ReceiverAnswers } = {},
): Promise<ConsoleRig> {
  const receiver = await startTestReceiver(options.receiver);
  const [service, browser] = await Promise.allSettled([startConsoleService(options.env), launchBrowser()]);
  if (service.status === 'rejected' || browser.status === 'rejected') {
    if (browser.status === 'fulfilled') await browser.value.close();
    if (service.status === 'fulfilled') await service.value.stop();
    await receiver.close();
    throw service.status === 'rejected' ? service.reason : (browser as PromiseRejectedResult).reason;
  }
  return {
    service: service.value,
    browser: browser.value,
    receiver,
    async close() {
      await browser.value.close();
      await service.value.stop();
      await receiver.close();
    },
  };
}

/**
 * Adds, as tenant-a, one webhook on `message.created` per `[name, path]`, sending to
 * `${receiverUrl}/${path}`; returns their ids by path.
 */
export async function addWebhooks(
  service: ConsoleService,
  receiverUrl: string,
  hooks: readonly (readonly [name: string, path: string])[],
): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [name, path] of hooks) {
    ids[path] = (
      await service.api('POST', '/v1/webhooks', {
        name,
        events: ['message.created'],
        url: `${receiverUrl}/${path}`,
      })
    ).body.id;
  }
  return ids;
}

/** A desktop page (1280 px) and a 360 px page in dark mode, each watched and signed in. */
export interface ConsolePages {
  page: Page;
  watch: PageWatch;
  mobile: Page;
  mobileWatch: PageWatch;
}

/**
 * Opens ConsolePages on `url` and signs both in; `beforeSignIn` sees the desktop page before its first
 * load (to listen to what it loads).
 */
export async function openSignedInPages(
  browser: Browser,
  url: string,
  beforeSignIn: (page: Page) => void = () => undefined,
): Promise<ConsolePages> {
  const { page, watch } = await openPage(browser, url);
  beforeSignIn(page);
  const { page: mobile, watch: mobileWatch } = await openPage(browser, url, {
    viewport: { width: 360, height: 780 },
    colorScheme: 'dark',
  });
  await signIn(page, url);
  await signIn(mobile, url);
  return { page, watch, mobile, mobileWatch };
}

/**
 * Runs axe on `page`'s screen `name` and expects no serious or critical violation. With `shotsDir`,
 * every violation (minor ones too) is appended as one line to `shotsDir/axe.jsonl` and a full-page
 * screenshot saved beside it, for the reader of the screenshots; `record` collects the summary first.
 */
export async function expectAccessible(
  page: Page,
  name: string,
  watch: PageWatch,
  options: { shotsDir?: string | undefined; record?: AxeSummary[] } = {},
): Promise<AxeSummary> {
  const summary = await checkAccessibility(page, name, watch);
  options.record?.push(summary);
  expect(seriousViolations(summary), `axe on ${name}`).toEqual([]);
  if (options.shotsDir) {
    mkdirSync(options.shotsDir, { recursive: true });
    appendFileSync(join(options.shotsDir, 'axe.jsonl'), `${JSON.stringify(summary)}\n`);
    await page.screenshot({
      path: join(options.shotsDir, `${name.replace(/\W+/g, '-')}.png`),
      fullPage: true,
    });
  }
  return summary;
}

/** Signs in with the admin token as a person would: the labelled field and the button. */
export async function signIn(page: Page, url: string, token = CONSOLE_TOKEN): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
}

/** Polls `check` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A valid `message.created` from the chat platform for tenant-a. */
export function messageCreated(id: string): PutEventsRequestEntry {
  return {
    Source: 'chat.platform',
    DetailType: 'message.created',
    EventBusName: 'chat-events',
    Detail: JSON.stringify({
      tenantId: 'tenant-a',
      brandId: 'brand-1',
      id,
      data: {
        conversationId: 'conv_1',
        message: {
          id: 'm1',
          author: { type: 'customer', id: 'u1' },
          text: 'hello',
          createdAt: '2026-11-29T10:00:00Z',
        },
      },
    }),
  };
}

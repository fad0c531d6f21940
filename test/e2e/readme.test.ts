/**
 * The README is run, not only read: every command in its `sh` blocks is one of the commands below,
 * each with the check that runs it, so a README that drifts from the code fails here. The first ten
 * minutes run exactly as written (only the port and data directory are chosen by the test).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBenchArguments } from '#bench/benchmark';
import { settingsFromContext } from '#lib/app-settings';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** Every command line of the README's `sh` blocks, without trailing comments. */
function readmeCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const block of markdown.matchAll(/^( *)```sh\n([\s\S]*?)^\1```/gm)) {
    for (const line of block[2]!.split('\n')) {
      const command = line.replace(/\s+#.*$/, '').trim();
      if (command !== '' && !command.startsWith('#')) commands.push(command);
    }
  }
  return commands;
}

const FIRST_TEN_MINUTES = {
  start: 'ALLOW_INSECURE_LOCALHOST=true npm start',
  receiver: 'npm run receiver',
  publish: 'npm run publish-sample -- conversation.created',
};
const DEPLOY = /^npx cdk deploy --all((?: -c [A-Za-z]+=\S+)+)$/;

/** The commands the README may show, each with the test that runs it (an unknown one fails). */
const KNOWN: { command: RegExp | string; checkedBy: string }[] = [
  {
    command: 'npm ci && npm start',
    checkedBy: '.ci/run runs npm ci; "the first ten minutes" runs npm start',
  },
  { command: 'npm test', checkedBy: '.ci/run runs it' },
  { command: FIRST_TEN_MINUTES.start, checkedBy: 'the first ten minutes' },
  { command: FIRST_TEN_MINUTES.receiver, checkedBy: 'the first ten minutes' },
  { command: FIRST_TEN_MINUTES.publish, checkedBy: 'the first ten minutes' },
  { command: 'npx cdk synth', checkedBy: 'test/lib/offline-synth.test.ts' },
  { command: DEPLOY, checkedBy: 'the deploy flags below' },
  { command: 'npm run bench -- --delivery-log=failures', checkedBy: 'test/bench/benchmark.test.ts' },
];

describe('README', () => {
  it('shows only commands a test runs', () => {
    const commands = readmeCommands(README);
    expect(commands).toContain('npm ci && npm start');
    for (const command of commands) {
      const known = KNOWN.some((entry) =>
        typeof entry.command === 'string' ? entry.command === command : entry.command.test(command),
      );
      expect(known, `"${command}" is in the README but no test runs it: add it to KNOWN`).toBe(true);
    }
  });

  it('links only to files that exist', () => {
    for (const [, target] of README.matchAll(/\]\(((?!https?:|#)[^)\s]+)\)/g)) {
      expect(existsSync(resolve(ROOT, target!)), `README links to missing ${target}`).toBe(true);
    }
    for (const page of README.matchAll(/\]\((docs\/[^)\s]+\.md)\)/g)) {
      const markdown = readFileSync(join(ROOT, page[1]!), 'utf8');
      for (const [, target] of markdown.matchAll(/\]\(((?!https?:|#)[^)\s]+)\)/g)) {
        const [file, anchor] = target!.split('#');
        const path = resolve(dirname(join(ROOT, page[1]!)), file!);
        expect(existsSync(path), `${page[1]} links to missing ${target}`).toBe(true);
        if (anchor !== undefined && path.endsWith('.md')) {
          expect(anchorsOf(readFileSync(path, 'utf8')), `${page[1]} links to missing ${target}`).toContain(
            anchor,
          );
        }
      }
    }
  });

  it('cites only docs/ pages and anchors that exist, from code and docs alike', () => {
    // Code comments link the contract as `docs/<page>.md#<anchor>` (sometimes followed by `, #other`
    // anchors of the same page); every docs/ page links its neighbours. A renamed heading breaks them.
    const missing: string[] = [];
    const sources = [
      'src',
      'functions',
      'lib',
      'bin',
      'bench',
      'examples',
      'test',
      'console/src',
      'console/scripts',
      'docs',
    ];
    for (const folder of sources) {
      for (const entry of readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })) {
        if (!/\.(ts|tsx|mjs|md)$/.test(entry)) continue;
        const file = join(folder, entry);
        const text = readFileSync(join(ROOT, file), 'utf8');
        for (const cited of text.matchAll(
          /(?<![\w/.])(?:\.\.\/)*docs\/([\w./-]+\.md)((?:#[\w-]+)(?:(?:,| and|,? or)\s+#[\w-]+)*)?/g,
        )) {
          const page = join(ROOT, 'docs', cited[1]!);
          if (!existsSync(page)) {
            missing.push(`${file}: docs/${cited[1]}`);
            continue;
          }
          const offered = anchorsOf(readFileSync(page, 'utf8'));
          for (const [, anchor] of (cited[2] ?? '').matchAll(/#([\w-]+)/g)) {
            if (!offered.includes(anchor!)) missing.push(`${file}: docs/${cited[1]}#${anchor}`);
          }
        }
        if (!file.endsWith('.md')) continue;
        for (const [, target] of text.matchAll(/\]\(((?!https?:|mailto:)[^)\s]+)\)/g)) {
          const [linked, anchor] = target!.split('#');
          const path = linked === '' ? join(ROOT, file) : resolve(dirname(join(ROOT, file)), linked!);
          if (!existsSync(path)) missing.push(`${file}: ${target}`);
          else if (
            anchor !== undefined &&
            path.endsWith('.md') &&
            !anchorsOf(readFileSync(path, 'utf8')).includes(anchor)
          )
            missing.push(`${file}: ${target}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('installs and tests the way CI does', () => {
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test\b/m);
    expect(readFileSync(join(ROOT, 'test/lib/offline-synth.test.ts'), 'utf8')).toContain("['cdk', 'synth'");
  });

  it('deploys with context keys the app reads', () => {
    const deploy = readmeCommands(README).find((command) => DEPLOY.test(command));
    expect(deploy).toBeDefined();
    const context = Object.fromEntries(
      [...deploy!.matchAll(/-c ([A-Za-z]+)=(\S+)/g)].map((found) => [found[1]!, found[2]!]),
    );
    const settings = settingsFromContext(new App({ context })) as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(context)) {
      expect(JSON.stringify(settings[key]), `-c ${key}`).toContain(value);
    }
  });

  it('benchmarks with options the bench reads', () => {
    expect(parseBenchArguments(['--delivery-log=failures']).deliveryLog).toBe('failures');
  });
});

describe('the first ten minutes, as written', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-readme-'));
  const children: ChildProcess[] = [];

  afterAll(() => {
    for (const child of children) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Runs a README command line in a shell, in its own process group; `output()` is all it printed. */
  function run(command: string, env: Record<string, string>) {
    expect(readmeCommands(README)).toContain(command);
    const child = spawn('sh', ['-c', command], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const waitFor = async (pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = pattern.exec(output);
        if (found) return found;
        if (Date.now() > deadline || (child.exitCode !== null && !pattern.exec(output)))
          throw new Error(`"${command}" never printed ${pattern}:\n${output}`);
        await new Promise((wake) => setTimeout(wake, 100));
      }
    };
    return { child, waitFor, output: () => output };
  }

  it('starts, receives a verified delivery of a published sample, and links the console', async () => {
    const service = run(FIRST_TEN_MINUTES.start, { PORT: '0', DATA_DIR: dataDir });
    const url = (await service.waitFor(/admin API\s+(http:\/\/127\.0\.0\.1:\d+)\/v1/))[1]!;

    // The OpenAPI address the banner prints answers without a token, naming where the API is.
    const openApiUrl = (await service.waitFor(/OpenAPI: (\S+)\)/))[1]!;
    const document = (await (await fetch(openApiUrl)).json()) as { servers: { url: string }[] };
    expect(document.servers).toEqual([{ url }]);

    const env = { SERVICE_URL: url, DATA_DIR: dataDir, RECEIVER_PORT: '0' };
    const receiver = run(FIRST_TEN_MINUTES.receiver, env);
    const webhookId = (await receiver.waitFor(/webhook (wh_\w+)/))[1]!;
    await receiver.waitFor(/receiver listening on http:\/\/127\.0\.0\.1:\d+\//);

    const publisher = run(FIRST_TEN_MINUTES.publish, env);
    const eventId = (await publisher.waitFor(/published conversation\.created (evt_\S+)/))[1]!;
    // The line the README quotes is the receiver's whole line, `…` standing for the rest of the event id.
    const quoted = /The receiver prints `([^`]+)`/.exec(README)?.[1];
    expect(quoted).toContain('evt_sample_…');
    const [before, after] = quoted!
      .split('evt_sample_…')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    await receiver.waitFor(
      new RegExp(`^${before}${eventId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${after}$`, 'm'),
    );

    // The console link the receiver prints opens the console (a client-side route).
    const consoleLink = (await receiver.waitFor(/console (http:\S+)/))[1]!;
    expect(consoleLink).toBe(`${url}/webhooks/${webhookId}`);
    const page = await fetch(consoleLink);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
  }, 180_000);
});

/** The anchors a Markdown page offers: explicit `<a id>` ones and GitHub's slugs of its headings. */
function anchorsOf(markdown: string): string[] {
  const explicit = [...markdown.matchAll(/<a id="([^"]+)"><\/a>/g)].map((match) => match[1]!);
  const headings = [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((match) =>
    match[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-'),
  );
  return [...explicit, ...headings];
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadConfig } from '#config';
import { loadAdminTokens } from '#local/admin-tokens';
import { startupBanner } from '#local/startup-banner';

const config = loadConfig({});
const url = 'http://127.0.0.1:3000';
const awsKey = {
  accessKeyId: 'LOCALABCDEF0123456789',
  secretAccessKey: 'generated-secret-for-this-data-dir',
};

it('never prints a token given in ADMIN_TOKENS, only the tenants', async () => {
  const tokens = await loadAdminTokens('secret-token-aaa=acme,secret-token-bbb=globex', '/nonexistent');
  const banner = startupBanner(config, { url, dataDir: '/data', tokens, awsKey });
  expect(banner).not.toContain('secret-token-aaa');
  expect(banner).not.toContain('secret-token-bbb');
  expect(banner).toContain('acme, globex');
  expect(banner).toContain('admin API      http://127.0.0.1:3000/v1');
});

it('prints the dev token the service generated itself', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'cw-banner-'));
  try {
    const tokens = await loadAdminTokens(undefined, dataDir);
    const generated = tokens[0]!.token;
    const banner = startupBanner(config, { url, dataDir, tokens, awsKey });
    expect(banner).toContain(`Authorization: Bearer ${generated}`);
    expect(banner).toContain('tenant default');
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

it('names the pid that stops the service: `npm start`’s own pid would leave it running, holding DATA_DIR', async () => {
  const tokens = await loadAdminTokens('secret-token-aaa=acme', '/nonexistent');
  const banner = startupBanner(config, { url, dataDir: '/data', tokens, awsKey }, 'v20.0.0', 4242);
  expect(banner).toContain('stop with Ctrl-C (or kill 4242)');
  expect(banner).not.toContain('<pid>');
});

it('leaves no blank line inside the block where an optional line is off', async () => {
  const tokens = await loadAdminTokens('secret-token-aaa=acme', '/nonexistent');
  const banner = startupBanner(
    { ...config, ALLOW_INSECURE_LOCALHOST: false },
    { url, dataDir: '/data', tokens, awsKey },
  );
  const lines = banner.split('\n');
  const block = lines.slice(
    lines.findIndex((line) => line.startsWith('chat-webhooks is running')),
    lines.findIndex((line) => line.includes('stop with Ctrl-C')) + 1,
  );
  expect(block.length).toBeGreaterThan(5);
  expect(block).not.toContain('');
});

it('shows the DATA_DIR key pair the ingest checks signatures against, as it shows the dev token', async () => {
  const tokens = await loadAdminTokens('secret-token-aaa=acme', '/nonexistent');
  const banner = startupBanner(config, { url, dataDir: '/data', tokens, awsKey });
  expect(banner).toContain(
    `AWS_ACCESS_KEY_ID=${awsKey.accessKeyId} AWS_SECRET_ACCESS_KEY=${awsKey.secretAccessKey}`,
  );
});

/**
 * Local stand-in for API Gateway's authorizer: bearer tokens mapped to tenants (ADMIN_TOKENS),
 * compared in constant time. With no ADMIN_TOKENS, one dev token for tenant `default` is made
 * once and kept (0600) under DATA_DIR so restarts keep working with the same token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TENANT_ID_PATTERN } from '#domain/event-catalogue';

/** One configured token and the tenant it acts for. */
export interface AdminToken {
  token: string;
  tenantId: string;
  /** True for the dev token the service made itself (the only one the start-up banner may print). */
  isGenerated?: boolean;
}

/** Checks bearer tokens against the configured set. */
export class AdminTokenRegistry {
  private readonly digests: { digest: Buffer; tenantId: string }[];

  constructor(readonly tokens: readonly AdminToken[]) {
    this.digests = tokens.map(({ token, tenantId }) => ({ digest: digestOf(token), tenantId }));
  }

  /** The tenant of an `Authorization: Bearer …` header, or undefined. */
  authenticate(authorization: string | undefined): string | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return undefined;
    const presented = digestOf(match[1]!);
    let tenantId: string | undefined;
    // Compare against every token, without an early exit, so timing says nothing about which matched.
    for (const candidate of this.digests) {
      if (timingSafeEqual(candidate.digest, presented) && tenantId === undefined)
        tenantId = candidate.tenantId;
    }
    return tenantId;
  }
}

/** Parses `token1=tenantA,token2=tenantB`; throws naming the bad entry. */
export function parseAdminTokens(value: string): AdminToken[] {
  const tokens = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry, index) => {
      const separator = entry.lastIndexOf('=');
      const token = entry.slice(0, separator).trim();
      const tenantId = entry.slice(separator + 1).trim();
      // Any non-blank token is accepted: docs/contract.md#local-runtime's own example is `token1=tenantA,token2=tenantB`.
      // The error never echoes the entry, which holds a secret.
      if (separator <= 0 || token.length === 0 || /\s/.test(token)) {
        throw new Error(
          `ADMIN_TOKENS entry ${index + 1} must be <token>=<tenant> with a token without spaces`,
        );
      }
      if (!TENANT_ID_PATTERN.test(tenantId))
        throw new Error(`ADMIN_TOKENS: tenant "${tenantId}" is not a valid tenant id`);
      return { token, tenantId };
    });
  if (tokens.length === 0) throw new Error('ADMIN_TOKENS is set but names no token');
  return tokens;
}

/**
 * Parses PLATFORM_TOKENS (`token1,token2`): the platform credential, which mints and ends portal
 * sessions and may call nothing else. Each token is named `platform-token-<n>` (its place in the
 * list), the principal the logs and the API see; a token that is also an admin token is refused.
 */
export function parsePlatformTokens(
  value: string | undefined,
  adminTokens: readonly AdminToken[],
): AdminToken[] {
  if (value === undefined || value.trim() === '') return [];
  const admin = new Set(adminTokens.map(({ token }) => token));
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((token, index) => {
      // The error never echoes the entry, which holds a secret.
      if (/[\s=]/.test(token))
        throw new Error(`PLATFORM_TOKENS entry ${index + 1} must be a token without spaces or "="`);
      if (admin.has(token)) throw new Error(`PLATFORM_TOKENS entry ${index + 1} is also an admin token`);
      return { token, tenantId: `platform-token-${index + 1}` };
    });
}

/** The configured tokens, or the persisted dev token for tenant `default`. */
export async function loadAdminTokens(
  adminTokens: string | undefined,
  dataDir: string,
): Promise<AdminToken[]> {
  if (adminTokens !== undefined && adminTokens.trim() !== '') return parseAdminTokens(adminTokens);
  const path = join(dataDir, 'dev-admin-token');
  await mkdir(dataDir, { recursive: true });
  try {
    await writeFile(path, `dev_${randomBytes(24).toString('base64url')}`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return [{ token: (await readFile(path, 'utf8')).trim(), tenantId: 'default', isGenerated: true }];
}

function digestOf(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Where the service's master key comes from: a 0600 key file under DATA_DIR locally, a Secrets
 * Manager secret on AWS. Purpose-specific keys (secret encryption, cursor MACs) are derived from it
 * with HKDF so one leaked derived key does not expose the others.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Supplies the master key material. */
export interface MasterKeySource {
  getMasterKey(): Promise<Buffer>;
}

/** Derives a 32-byte key for one purpose from the master key. */
export function deriveKey(masterKey: Buffer, purpose: 'secrets-at-rest' | 'cursors'): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `chat-webhooks/${purpose}/v1`, 32));
}

/** A key file created on first use with owner-only permissions. */
export class KeyFileSource implements MasterKeySource {
  private key?: Promise<Buffer>;

  constructor(private readonly path: string) {}

  getMasterKey(): Promise<Buffer> {
    this.key ??= this.load();
    return this.key;
  }

  private async load(): Promise<Buffer> {
    await mkdir(dirname(this.path), { recursive: true });
    try {
      // 'wx' fails if the file exists, so two processes starting together never overwrite a key.
      await writeFile(this.path, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const info = await stat(this.path);
    if ((info.mode & 0o077) !== 0) await chmod(this.path, 0o600);
    const key = Buffer.from((await readFile(this.path, 'utf8')).trim(), 'base64');
    if (key.length < 32)
      throw new Error(`Key file ${this.path} holds fewer than 32 bytes; refusing to use it`);
    return key;
  }
}

/** The master key held in a Secrets Manager secret, cached for `cacheTtlMs`. */
export class SecretsManagerKeySource implements MasterKeySource {
  private cached?: { key: Promise<Buffer>; fetchedAt: number };

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretArn: string,
    private readonly cacheTtlMs: number,
  ) {}

  getMasterKey(): Promise<Buffer> {
    const now = Date.now();
    if (!this.cached || now - this.cached.fetchedAt > this.cacheTtlMs) {
      const key = this.fetch();
      // A failed fetch must not be cached, or one throttled call would poison the container.
      key.catch(() => {
        if (this.cached?.key === key) this.cached = undefined;
      });
      this.cached = { key, fetchedAt: now };
    }
    return this.cached.key;
  }

  private async fetch(): Promise<Buffer> {
    const output = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretArn }));
    const material =
      output.SecretString ?? (output.SecretBinary ? Buffer.from(output.SecretBinary).toString('base64') : '');
    if (material.length < 32) throw new Error('The encryption key secret is too short to be a key');
    return Buffer.from(material, 'utf8');
  }
}

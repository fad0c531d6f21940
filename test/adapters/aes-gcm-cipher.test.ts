import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AesGcmSecretCipher } from '#adapters/aes-gcm-cipher';
import { KeyFileSource } from '#adapters/encryption-key';

async function freshKeyFile(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'cw-key-')), 'keys', 'master.key');
}

describe('AesGcmSecretCipher with a key file', () => {
  it('creates the key file with owner-only permissions and keeps it across instances', async () => {
    const path = await freshKeyFile();
    const sealed = await new AesGcmSecretCipher(new KeyFileSource(path)).encrypt('whsec_abc', 'acme/wh_1');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const reopened = new AesGcmSecretCipher(new KeyFileSource(path));
    await expect(reopened.decrypt(sealed, 'acme/wh_1')).resolves.toBe('whsec_abc');
    expect(await readFile(path, 'utf8')).not.toContain('whsec_abc');
  });

  it('never shows the plaintext and uses a fresh nonce each time', async () => {
    const cipher = new AesGcmSecretCipher(new KeyFileSource(await freshKeyFile()));
    const first = await cipher.encrypt('s3cret-password', 'acme/wh_1');
    const second = await cipher.encrypt('s3cret-password', 'acme/wh_1');
    expect(first).not.toContain('s3cret');
    expect(first).not.toBe(second);
  });

  it('refuses a ciphertext moved to another webhook, tampered with, or sealed by another key', async () => {
    const cipher = new AesGcmSecretCipher(new KeyFileSource(await freshKeyFile()));
    const other = new AesGcmSecretCipher(new KeyFileSource(await freshKeyFile()));
    const sealed = await cipher.encrypt('token-value', 'acme/wh_1');
    await expect(cipher.decrypt(sealed, 'globex/wh_1')).rejects.toThrow();
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 0xff;
    await expect(
      cipher.decrypt([...parts.slice(0, 3), body.toString('base64url')].join('.'), 'acme/wh_1'),
    ).rejects.toThrow();
    await expect(other.decrypt(sealed, 'acme/wh_1')).rejects.toThrow(/key/);
  });
});

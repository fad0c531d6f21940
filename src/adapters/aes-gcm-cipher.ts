/**
 * SecretCipher with AES-256-GCM. The context (tenant/webhook) is authenticated data, so a
 * ciphertext copied onto another webhook's record fails to decrypt instead of leaking.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { SecretCipher } from '#domain/ports';
import { deriveKey, type MasterKeySource } from './encryption-key';

const FORMAT = 'a1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM cipher keyed from a master key source. */
export class AesGcmSecretCipher implements SecretCipher {
  constructor(private readonly keySource: MasterKeySource) {}

  async encrypt(plaintext: string, context: string): Promise<string> {
    const { key, keyId } = await this.key();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [FORMAT, keyId, iv.toString('base64url'), sealed.toString('base64url')].join('.');
  }

  async decrypt(ciphertext: string, context: string): Promise<string> {
    const [format, keyId, ivText, sealedText] = ciphertext.split('.');
    if (format !== FORMAT || !keyId || !ivText || !sealedText)
      throw new Error('Unrecognised ciphertext format');
    const { key, keyId: currentKeyId } = await this.key();
    // Named plainly so an operator who swapped the key file knows why every secret stopped working.
    if (keyId !== currentKeyId)
      throw new Error(`Ciphertext was sealed with key ${keyId}, current key is ${currentKeyId}`);
    const sealed = Buffer.from(sealedText, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  }

  private async key(): Promise<{ key: Buffer; keyId: string }> {
    const key = deriveKey(await this.keySource.getMasterKey(), 'secrets-at-rest');
    return { key, keyId: createHash('sha256').update(key).digest('base64url').slice(0, 8) };
  }
}

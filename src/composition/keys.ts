/** The master key and what is derived from it: the secret cipher and the cursor codec. */
import { AesGcmSecretCipher } from '#adapters/aes-gcm-cipher';
import { createSecretsManagerClient } from '#adapters/aws-clients';
import { deriveKey, type MasterKeySource, SecretsManagerKeySource } from '#adapters/encryption-key';
import type { Config } from '#config';
import { CursorCodec } from '#domain/cursor';
import type { SecretCipher } from '#domain/ports';
import { awsClientOptions, type CompositionOptions, requiredSetting } from './options';

/** The runtime's key source, or the Secrets Manager secret named by ENCRYPTION_KEY_SECRET_ARN. */
export function buildMasterKeySource(config: Config, options: CompositionOptions = {}): MasterKeySource {
  if (options.keySource) return options.keySource;
  return new SecretsManagerKeySource(
    createSecretsManagerClient(awsClientOptions(options, undefined)),
    requiredSetting(config.ENCRYPTION_KEY_SECRET_ARN, 'ENCRYPTION_KEY_SECRET_ARN'),
    config.SECRET_CACHE_TTL_MS,
  );
}

/** Encrypts signing secrets at rest with a key derived from the master key. */
export function buildSecretCipher(keySource: MasterKeySource): SecretCipher {
  return new AesGcmSecretCipher(keySource);
}

/** Signs pagination cursors with their own derived key, fetched on first use. */
export function buildCursorCodec(keySource: MasterKeySource): CursorCodec {
  let cursorKey: Promise<Buffer> | undefined;
  return new CursorCodec(() => {
    cursorKey ??= keySource.getMasterKey().then((master) => deriveKey(master, 'cursors'));
    return cursorKey;
  });
}

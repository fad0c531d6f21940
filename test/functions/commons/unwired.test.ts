import { describe, expect, it } from 'vitest';
import type { SecretCipher } from '#domain/ports';
import { ServiceNotWiredError, unwired } from '#functions/commons/unwired';

describe('unwired', () => {
  it('throws a ServiceNotWiredError naming the service, the member and the function on any use', () => {
    const cipher = unwired<SecretCipher>('cipher', 'fan-out');
    expect(() => cipher.encrypt('x', 'y')).toThrow(ServiceNotWiredError);
    expect(() => cipher.decrypt).toThrow('cipher.decrypt is not available in the fan-out function');
  });

  it('is not mistaken for a promise, so a builder that awaits or resolves it still works', async () => {
    const cipher = unwired<SecretCipher>('cipher', 'fan-out');
    await expect(Promise.resolve(cipher)).resolves.toBe(cipher);
  });
});

/** HTTP Basic authentication (RFC 7617): `Authorization: Basic base64(username:password)`. */
import * as z from 'zod';
import { defineAuthKind } from './auth-kind';

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A Basic credential part: base64-encoded on the wire (RFC 7617), so any text is sendable, as long as
 * it is well-formed Unicode (a lone surrogate cannot be encoded as UTF-8 and would arrive altered).
 */
const basicCredentialText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine(
      (value) => !LONE_SURROGATE.test(value),
      'must be well-formed Unicode text (no lone surrogate characters)',
    );

const inputSchema = z.strictObject({
  type: z.literal('basic'),
  username: basicCredentialText(256).refine(
    (value) => !value.includes(':'),
    'must not contain ":" (Basic authentication separates with it, RFC 7617)',
  ),
  password: basicCredentialText(256).meta({ writeOnly: true }),
});

const publicSchema = z.object({ type: z.literal('basic'), username: z.string() });

/** Stored: the username as written, the password encrypted. */
export interface StoredBasicAuthentication {
  type: 'basic';
  username: string;
  encryptedPassword: string;
}

function encoded(input: { username: string; password: string }): string {
  return Buffer.from(`${input.username}:${input.password}`, 'utf8').toString('base64');
}

/** Basic: the password is the secret; the username is shown. */
export const basicAuthentication = defineAuthKind<
  'basic',
  z.output<typeof inputSchema>,
  StoredBasicAuthentication,
  z.output<typeof publicSchema>
>({
  type: 'basic',
  inputSchema,
  publicSchema,
  seal: async (input, cipher, context) => ({
    type: 'basic',
    username: input.username,
    encryptedPassword: await cipher.encrypt(input.password, context),
  }),
  open: async (stored, cipher, context) => ({
    type: 'basic',
    username: stored.username,
    password: await cipher.decrypt(stored.encryptedPassword, context),
  }),
  publicView: (stored) => ({ type: 'basic', username: stored.username }),
  header: (input) => ['authorization', `Basic ${encoded(input)}`],
  headerName: () => 'authorization',
  maskedPrefix: 'Basic ',
  secretValues: (input) => [input.password, `${input.username}:${input.password}`, `Basic ${encoded(input)}`],
});

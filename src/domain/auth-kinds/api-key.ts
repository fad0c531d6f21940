/** An API key sent as the value of a header the admin names (`X-Api-Key: <value>`). */
import * as z from 'zod';
import { HEADER_NAME_PATTERN, secretHeaderValue } from '../header-text';
import { reservedHeaderReason } from '../reserved-headers';
import { defineAuthKind } from './auth-kind';

const inputSchema = z.strictObject({
  type: z.literal('api_key'),
  headerName: z
    .string()
    .regex(HEADER_NAME_PATTERN, 'is not a valid header name (RFC 9110 token)')
    .max(256)
    .refine((name) => reservedHeaderReason(name) === null, 'is a reserved header name')
    .refine(
      (name) => name.toLowerCase() !== 'authorization',
      'must not be Authorization; use bearer or basic authentication, or a custom header',
    ),
  value: secretHeaderValue(4096),
});

const publicSchema = z.object({ type: z.literal('api_key'), headerName: z.string() });

/** Stored: the header name as written, the value encrypted. */
export interface StoredApiKeyAuthentication {
  type: 'api_key';
  headerName: string;
  encryptedValue: string;
}

/** API key: the value is the secret; the header name is shown. */
export const apiKeyAuthentication = defineAuthKind<
  'api_key',
  z.output<typeof inputSchema>,
  StoredApiKeyAuthentication,
  z.output<typeof publicSchema>
>({
  type: 'api_key',
  inputSchema,
  publicSchema,
  seal: async (input, cipher, context) => ({
    type: 'api_key',
    headerName: input.headerName,
    encryptedValue: await cipher.encrypt(input.value, context),
  }),
  open: async (stored, cipher, context) => ({
    type: 'api_key',
    headerName: stored.headerName,
    value: await cipher.decrypt(stored.encryptedValue, context),
  }),
  publicView: (stored) => ({ type: 'api_key', headerName: stored.headerName }),
  header: (input) => [input.headerName.toLowerCase(), input.value],
  headerName: (settings) => settings.headerName.toLowerCase(),
  maskedPrefix: '',
  secretValues: (input) => [input.value],
});

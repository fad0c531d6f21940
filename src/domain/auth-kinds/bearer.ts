/** A bearer token (RFC 6750): `Authorization: Bearer <token>`. */
import * as z from 'zod';
import { secretHeaderValue } from '../header-text';
import { defineAuthKind } from './auth-kind';

const inputSchema = z.strictObject({ type: z.literal('bearer'), token: secretHeaderValue(4096) });

const publicSchema = z.object({ type: z.literal('bearer') });

/** Stored: the token encrypted. */
export interface StoredBearerAuthentication {
  type: 'bearer';
  encryptedToken: string;
}

/** Bearer: the token is the secret. */
export const bearerAuthentication = defineAuthKind<
  'bearer',
  z.output<typeof inputSchema>,
  StoredBearerAuthentication,
  z.output<typeof publicSchema>
>({
  type: 'bearer',
  inputSchema,
  publicSchema,
  seal: async (input, cipher, context) => ({
    type: 'bearer',
    encryptedToken: await cipher.encrypt(input.token, context),
  }),
  open: async (stored, cipher, context) => ({
    type: 'bearer',
    token: await cipher.decrypt(stored.encryptedToken, context),
  }),
  publicView: () => ({ type: 'bearer' }),
  header: (input) => ['authorization', `Bearer ${input.token}`],
  headerName: () => 'authorization',
  maskedPrefix: 'Bearer ',
  secretValues: (input) => [input.token, `Bearer ${input.token}`],
});

/**
 * The authentication kinds a webhook may use (docs/contract.md#admin-api), and the operations every caller uses:
 * each dispatches to the kind named by `type`. A new kind is a module beside these and one line in
 * AUTH_KINDS; the schemas, the OpenAPI document, sealing, opening, the public view, the request
 * header, the delivery log's mask and the secret scrubber all take it from here.
 */
import * as z from 'zod';
import type { SecretCipher } from '../ports';
import { apiKeyAuthentication } from './api-key';
import type { AuthKind } from './auth-kind';
import { basicAuthentication } from './basic';
import { bearerAuthentication } from './bearer';

/** Every kind, in the order the API documents them. */
export const AUTH_KINDS = [basicAuthentication, bearerAuthentication, apiKeyAuthentication] as const;

type Kind = (typeof AUTH_KINDS)[number];
type InputOf<K> = K extends AuthKind<string, infer Input, infer _Stored, infer _Public> ? Input : never;
type StoredOf<K> = K extends AuthKind<string, infer _Input, infer Stored, infer _Public> ? Stored : never;
type PublicOf<K> = K extends AuthKind<string, infer _Input, infer _Stored, infer Public> ? Public : never;

/** Authentication as an admin writes it (plaintext, write-only). */
export type AuthenticationInput = InputOf<Kind>;
/** Authentication as stored: the secret part is ciphertext. */
export type StoredAuthentication = StoredOf<Kind>;
/** Authentication as the API shows it: never the secret. */
export type PublicAuthentication = PublicOf<Kind>;

/** The kinds' schemas of one side as the non-empty list a discriminated union takes. */
function schemasOf<Key extends 'inputSchema' | 'publicSchema'>(key: Key): [Kind[Key], ...Kind[Key][]] {
  const [first, ...rest] = AUTH_KINDS.map((kind) => kind[key] as Kind[Key]);
  if (!first) throw new Error('AUTH_KINDS is empty');
  return [first, ...rest];
}

/** Authentication as an admin writes it; secrets are write-only. */
export const authenticationInputSchema = z.discriminatedUnion('type', schemasOf('inputSchema'));

/** Authentication as responses show it: never the secret. */
export const publicAuthenticationSchema = z.discriminatedUnion('type', schemasOf('publicSchema'));

// One kind's operations over its own shapes; the union-typed callers below hand each kind its own.
type AnyKind = AuthKind<string, { type: string }, { type: string }, { type: string }>;
const KIND_BY_TYPE = new Map<string, AnyKind>(AUTH_KINDS.map((kind) => [kind.type, kind as AnyKind]));

/** The kind of `type`; throws on a type no kind has (the schemas refuse it before it is stored). */
function kindOf(type: string): AnyKind {
  const kind = KIND_BY_TYPE.get(type);
  if (!kind) throw new Error(`No authentication kind ${JSON.stringify(type)}`);
  return kind;
}

/** The settings to store, secrets encrypted through `cipher` and bound to `context` (`tenantId/webhookId`). */
export function sealAuthentication(
  input: AuthenticationInput,
  cipher: SecretCipher,
  context: string,
): Promise<StoredAuthentication> {
  return kindOf(input.type).seal(input, cipher, context) as Promise<StoredAuthentication>;
}

/** The plaintext settings of stored ones, decrypted with the `context` they were sealed with. */
export function openAuthentication(
  stored: StoredAuthentication,
  cipher: SecretCipher,
  context: string,
): Promise<AuthenticationInput> {
  return kindOf(stored.type).open(stored, cipher, context) as Promise<AuthenticationInput>;
}

/** Stored settings as the API shows them. */
export function toPublicAuthentication(stored: StoredAuthentication): PublicAuthentication {
  return kindOf(stored.type).publicView(stored) as PublicAuthentication;
}

/** The header a delivery carries for `input`: lowercase name and the value with the credential. */
export function authenticationHeader(input: AuthenticationInput): [name: string, value: string] {
  return kindOf(input.type).header(input);
}

/** The lowercase name of the header the settings send, and what of its value may be shown before the mask. */
export function authenticationHeaderMask(settings: PublicAuthentication | AuthenticationInput): {
  name: string;
  prefix: string;
} {
  const kind = kindOf(settings.type);
  return { name: kind.headerName(settings), prefix: kind.maskedPrefix };
}

/**
 * The lowercase header name that settings not yet validated would send, or undefined when they are
 * not well-formed enough to say (validation reports why).
 */
export function draftAuthenticationHeaderName(settings: { readonly type: string }): string | undefined {
  const kind = KIND_BY_TYPE.get(settings.type);
  const view = kind?.publicSchema.safeParse(settings);
  return kind && view?.success ? kind.headerName(view.data) : undefined;
}

/** Every form of the secret a receiver could echo back, as sent (for the secret scrubber). */
export function authenticationSecretValues(input: AuthenticationInput): string[] {
  return kindOf(input.type).secretValues(input);
}

/**
 * The authentication kinds as the webhook form offers them. The kinds themselves are the API's
 * (`WebhookCreate['authentication']`, generated from its OpenAPI document): a kind added to the API
 * fails the console's typecheck here until it has its label and fields, and nowhere else.
 */
import type { Webhook, WebhookCreate } from './api/client';

/** Authentication as the form sends it. */
export type AuthenticationInput = NonNullable<WebhookCreate['authentication']>;
export type AuthType = AuthenticationInput['type'];
type PublicAuthentication = NonNullable<Webhook['authentication']>;

/** One input of a kind: `name` is its field in the API, `secret` fields are write-only. */
export interface AuthFormField {
  name: string;
  label: string;
  secret: boolean;
}

/** The API's field names of one kind: a form field must be one of them. */
type FieldNameOf<Type extends AuthType> = Exclude<
  keyof Extract<AuthenticationInput, { type: Type }>,
  'type'
> &
  string;

/** Every kind, in the order the type menu lists them; the first is the default. */
export const AUTH_FORM_KINDS: {
  [Type in AuthType]: { label: string; fields: (AuthFormField & { name: FieldNameOf<Type> })[] };
} = {
  basic: {
    label: 'Basic (username and password)',
    fields: [
      { name: 'username', label: 'Username', secret: false },
      { name: 'password', label: 'Password', secret: true },
    ],
  },
  bearer: { label: 'Bearer token', fields: [{ name: 'token', label: 'Token', secret: true }] },
  api_key: {
    label: 'API key header',
    fields: [
      { name: 'headerName', label: 'Header name', secret: false },
      { name: 'value', label: 'Key value', secret: true },
    ],
  },
};

export const AUTH_TYPES = Object.keys(AUTH_FORM_KINDS) as [AuthType, ...AuthType[]];

/** The fields of `type`. */
export function authFieldsOf(type: AuthType): AuthFormField[] {
  return AUTH_FORM_KINDS[type].fields;
}

/** Every field name of every kind (API error paths `authentication.<name>` belong to one). */
export const AUTH_FIELD_NAMES = new Set<string>(
  AUTH_TYPES.flatMap((type) => authFieldsOf(type).map((f) => f.name)),
);

/** The settings to send: `type` and each of its fields, as typed. */
export function authenticationBody(type: AuthType, values: Record<string, string>): AuthenticationInput {
  return {
    type,
    ...Object.fromEntries(authFieldsOf(type).map((field) => [field.name, values[field.name] ?? ''])),
  } as AuthenticationInput;
}

/** The values a stored webhook shows: its non-secret fields (secrets are write-only). */
export function shownAuthValues(auth: PublicAuthentication): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const field of authFieldsOf(auth.type)) {
    const value = (auth as Record<string, unknown>)[field.name];
    if (!field.secret && typeof value === 'string') shown[field.name] = value;
  }
  return shown;
}

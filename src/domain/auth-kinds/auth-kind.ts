/**
 * One way a webhook authenticates its deliveries to the endpoint (docs/contract.md#admin-api): everything the
 * service does with that kind of authentication lives in the kind's own module, and the registry
 * (./registry) is the one list of kinds. Adding a kind is one module and one line in the registry.
 */
import type * as z from 'zod';
import type { SecretCipher } from '../ports';

/**
 * An authentication kind.
 * - `Input`: the settings as an admin writes them (plaintext; secrets write-only).
 * - `Stored`: as the webhook record keeps them: every secret encrypted with the webhook's cipher
 *   context (`tenantId/webhookId`); this is the stored item format, so it only ever grows compatibly.
 * - `Public`: as the API shows them: never a secret. An `Input` carries every `Public` field.
 */
export interface AuthKind<
  Type extends string,
  Input extends { type: Type },
  Stored extends { type: Type },
  Public extends { type: Type },
> {
  readonly type: Type;
  /**
   * Validates the settings on create and on PATCH (which replaces the whole authentication): a strict
   * object with `type: z.literal(type)`; its messages and field paths are the API's (docs/contract.md#admin-api).
   */
  readonly inputSchema: z.ZodType<Input> & z.core.$ZodTypeDiscriminable;
  /** The settings as responses show them; it drives the OpenAPI document. */
  readonly publicSchema: z.ZodType<Public> & z.core.$ZodTypeDiscriminable;
  /** The settings to store: secrets encrypted through the cipher port, bound to `context`. */
  seal(input: Input, cipher: SecretCipher, context: string): Promise<Stored>;
  /** The plaintext settings back from the stored ones (delivery time only). */
  open(stored: Stored, cipher: SecretCipher, context: string): Promise<Input>;
  /** The stored settings as the API shows them. */
  publicView(stored: Stored): Public;
  /** The header each delivery request carries: lowercase name, value with the plaintext credential. */
  header(input: Input): [name: string, value: string];
  /** The lowercase name of that header, known without the secret (from `Public` or `Input`). */
  headerName(settings: Public): string;
  /** What of the header value the delivery log shows before the mask (the scheme, `Basic `), or ''. */
  readonly maskedPrefix: string;
  /** Every form of the secret a receiver could echo back (for the secret scrubber), as sent. */
  secretValues(input: Input): string[];
}

/** Declares a kind with its types inferred (the identity: it only checks the shape). */
export function defineAuthKind<
  Type extends string,
  Input extends { type: Type },
  Stored extends { type: Type },
  Public extends { type: Type },
>(kind: AuthKind<Type, Input, Stored, Public>): AuthKind<Type, Input, Stored, Public> {
  return kind;
}

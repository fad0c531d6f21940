import type { App } from 'aws-cdk-lib';

/**
 * Placeholders that keep `npx cdk synth` working offline with no flags. A deployment passes the
 * real identity provider: `npx cdk deploy -c jwtIssuer=https://... -c jwtAudience=...`; templates
 * synthesised with the placeholder issuer refuse to deploy (lib/deploy-guard.ts). The `.invalid`
 * top-level domain is reserved (RFC 2606), so the placeholder can never be someone's real issuer.
 */
export const PLACEHOLDER_JWT_ISSUER = 'https://jwt-issuer-not-configured.invalid/';
export const PLACEHOLDER_JWT_AUDIENCE = 'chat-webhooks-admin';

/** What the CDK app is configured with (from CDK context in bin/app.ts). */
export interface AppSettings {
  readonly jwtIssuer: string;
  readonly jwtAudience: readonly string[];
  readonly eventBusName?: string;
  readonly tenantClaim?: string;
  readonly alarmEmail?: string;
  /** E-mail address the webhook notices (failing, recovered, disabled) go to; none by default. */
  readonly noticeEmail?: string;
  /** The console's public URL notices link to, when it is not the stack's own CloudFront origin. */
  readonly consoleUrl?: string;
  /** `null` reserves no concurrency. */
  readonly deliveryReservedConcurrency?: number | null;
  /** `null` reserves no concurrency. */
  readonly fanOutReservedConcurrency?: number | null;
  readonly deliveryMaxConcurrency?: number;
  /** OIDC client id of the admin console (a public client, code + PKCE); default: the first jwtAudience. */
  readonly consoleClientId?: string;
  /**
   * Further https origins the console's CSP lets the browser call at sign-in (an IdP whose token
   * endpoint is on another host than its issuer, e.g. a Cognito custom domain).
   */
  readonly consoleConnectSources?: readonly string[];
  /** IAM ARNs of the platform, the only callers of the portal-session routes (IAM authorization). */
  readonly platformPrincipals?: readonly string[];
  /** https origins that may frame the tenant portal (`/portal*` frame-ancestors). */
  readonly portalAllowedOrigins?: readonly string[];
}

function text(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

function concurrency(app: App, key: string): number | null | undefined {
  const value = text(app, key);
  if (value === undefined) return undefined;
  if (value === 'none') return null;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new Error(`Context ${key} must be a positive integer or "none", got "${value}"`);
  }
  return parsed;
}

/**
 * Reads the app's settings from CDK context (`-c key=value` or cdk.json): jwtIssuer,
 * jwtAudience (comma-separated), eventBusName, tenantClaim, alarmEmail, noticeEmail, consoleUrl, consoleClientId,
 * deliveryReservedConcurrency / fanOutReservedConcurrency (a number or "none"), deliveryMaxConcurrency,
 * consoleConnectSources (comma-separated https origins), platformPrincipals (comma-separated IAM ARNs).
 */
export function settingsFromContext(app: App): AppSettings {
  const audience = (text(app, 'jwtAudience') ?? PLACEHOLDER_JWT_AUDIENCE)
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const optional = <K extends string, V>(key: K, value: V | undefined) =>
    (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;
  const maxConcurrency = text(app, 'deliveryMaxConcurrency');
  const connectSources = text(app, 'consoleConnectSources')
    ?.split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const platformPrincipals = text(app, 'platformPrincipals')
    ?.split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const portalAllowedOrigins = text(app, 'portalAllowedOrigins')
    ?.split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  return {
    jwtIssuer: text(app, 'jwtIssuer') ?? PLACEHOLDER_JWT_ISSUER,
    jwtAudience: audience,
    ...optional('eventBusName', text(app, 'eventBusName')),
    ...optional('tenantClaim', text(app, 'tenantClaim')),
    ...optional('alarmEmail', text(app, 'alarmEmail')),
    ...optional('noticeEmail', text(app, 'noticeEmail')),
    ...optional('consoleUrl', text(app, 'consoleUrl')),
    ...optional('consoleClientId', text(app, 'consoleClientId')),
    ...optional('deliveryReservedConcurrency', concurrency(app, 'deliveryReservedConcurrency')),
    ...optional('fanOutReservedConcurrency', concurrency(app, 'fanOutReservedConcurrency')),
    ...optional('consoleConnectSources', connectSources),
    ...optional('platformPrincipals', platformPrincipals),
    ...optional('portalAllowedOrigins', portalAllowedOrigins),
    ...optional('deliveryMaxConcurrency', maxConcurrency === undefined ? undefined : Number(maxConcurrency)),
  };
}

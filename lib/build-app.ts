import { Annotations, type App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type AppSettings, PLACEHOLDER_JWT_ISSUER } from './app-settings';
import { JWT_ISSUER_REQUIRED_MESSAGE, refuseDeployWithoutJwtIssuer } from './deploy-guard';
import { ServiceStack } from './service-stack';
import { StatefulStack } from './stateful-stack';

/** Options of `buildApp` beyond the app's settings. */
export interface BuildAppOptions {
  /** @default account/region left to the CLI (environment-agnostic stacks) */
  readonly env?: Environment;
  /** @default 'ChatWebhooks' */
  readonly stackNamePrefix?: string;
  /**
   * Run cdk-nag's AwsSolutions pack at synthesis.
   * @default true
   */
  readonly nag?: boolean;
}

/** The two stacks of the service. */
export interface ChatWebhooksStacks {
  readonly stateful: StatefulStack;
  readonly service: ServiceStack;
}

/** Adds the stateful and service stacks to `app`, with cdk-nag's AwsSolutions checks. */
export function buildApp(app: App, settings: AppSettings, options: BuildAppOptions = {}): ChatWebhooksStacks {
  const prefix = options.stackNamePrefix ?? 'ChatWebhooks';
  const env = options.env ? { env: options.env } : {};
  const stateful = new StatefulStack(app, `${prefix}Stateful`, {
    ...env,
    description: 'chat-webhooks data: table, event bus and archive, queues, key secret',
    ...(settings.eventBusName !== undefined ? { eventBusName: settings.eventBusName } : {}),
  });
  const service = new ServiceStack(app, `${prefix}Service`, {
    ...env,
    description: 'chat-webhooks code: functions, event rule, admin API, alarms',
    stateful,
    jwtIssuer: settings.jwtIssuer,
    jwtAudience: settings.jwtAudience,
    ...(settings.tenantClaim !== undefined ? { tenantClaim: settings.tenantClaim } : {}),
    ...(settings.platformPrincipals !== undefined ? { platformPrincipals: settings.platformPrincipals } : {}),
    ...(settings.alarmEmail !== undefined ? { alarmEmail: settings.alarmEmail } : {}),
    ...(settings.noticeEmail !== undefined ? { noticeEmail: settings.noticeEmail } : {}),
    ...(settings.consoleUrl !== undefined ? { consoleUrl: settings.consoleUrl } : {}),
    ...(settings.consoleClientId !== undefined ||
    settings.consoleConnectSources !== undefined ||
    settings.portalAllowedOrigins !== undefined
      ? {
          adminConsole: {
            ...(settings.consoleClientId !== undefined ? { clientId: settings.consoleClientId } : {}),
            ...(settings.consoleConnectSources !== undefined
              ? { extraConnectSources: settings.consoleConnectSources }
              : {}),
            ...(settings.portalAllowedOrigins !== undefined
              ? { portalAllowedOrigins: settings.portalAllowedOrigins }
              : {}),
          },
        }
      : {}),
    ...(settings.deliveryReservedConcurrency !== undefined
      ? { deliveryReservedConcurrency: settings.deliveryReservedConcurrency }
      : {}),
    ...(settings.fanOutReservedConcurrency !== undefined
      ? { fanOutReservedConcurrency: settings.fanOutReservedConcurrency }
      : {}),
    ...(settings.deliveryMaxConcurrency !== undefined
      ? { deliveryMaxConcurrency: settings.deliveryMaxConcurrency }
      : {}),
  });
  if (settings.jwtIssuer === PLACEHOLDER_JWT_ISSUER) {
    // Both stacks: `cdk deploy --all` deploys the stateful one first, and it must not be created either.
    for (const stack of [stateful, service]) refuseDeployWithoutJwtIssuer(stack);
    Annotations.of(service).addWarningV2(
      'chat-webhooks:jwtIssuerPlaceholder',
      `No jwtIssuer given: these templates are for reading only, and a deploy of them fails before creating anything. ${JWT_ISSUER_REQUIRED_MESSAGE}`,
    );
  }
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stateful, service };
}

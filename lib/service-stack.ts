import { fileURLToPath } from 'node:url';
import { CfnOutput, type Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { PLACEHOLDER_JWT_AUDIENCE } from './app-settings';
import { AdminApi } from './constructs/admin-api';
import { AdminConsole } from './constructs/admin-console';
import { Alarms } from './constructs/alarms';
import { DeliveryPipeline } from './constructs/delivery-pipeline';
import { EventIngest } from './constructs/event-ingest';
import { NoticeEmail } from './constructs/notice-email';
import { OperationsDashboard } from './constructs/operations-dashboard';

/** The stateful resources the service runs against (from StatefulStack). */
export interface StatefulResources {
  readonly table: dynamodb.ITable;
  readonly eventBus: events.IEventBus;
  readonly fanOutDeadLetterQueue: sqs.IQueue;
  readonly deliveryQueue: sqs.IQueue;
  readonly deliveryDeadLetterQueue: sqs.IQueue;
  readonly orderedDeliveryQueue: sqs.IQueue;
  readonly orderedDeadLetterQueue: sqs.IQueue;
  readonly deliveryVisibilityTimeout: Duration;
  readonly deadLetterVisibilityTimeout: Duration;
  readonly encryptionKeySecret: secretsmanager.ISecret;
}

/** Settings of the service stack. */
export interface ServiceStackProps extends StackProps {
  readonly stateful: StatefulResources;
  /** Issuer of admin JWTs. */
  readonly jwtIssuer: string;
  /** Accepted JWT audiences. */
  readonly jwtAudience: readonly string[];
  /** IAM ARNs of the platform (PLATFORM_PRINCIPALS). @default none: no platform routes */
  readonly platformPrincipals?: readonly string[];
  /** TENANT_CLAIM. @default CONFIG_DEFAULTS.TENANT_CLAIM (src/config.ts, which judges each of these) */
  readonly tenantClaim?: string;
  /** RETRY_SCHEDULE in seconds; empty for no retries. @default CONFIG_DEFAULTS.RETRY_SCHEDULE */
  readonly retrySchedule?: readonly number[];
  /** DELIVERY_TIMEOUT_MS. @default CONFIG_DEFAULTS.DELIVERY_TIMEOUT_MS */
  readonly deliveryTimeout?: Duration;
  /** FAILURE_LOG_TTL_DAYS. @default CONFIG_DEFAULTS.FAILURE_LOG_TTL_DAYS */
  readonly failureLogTtlDays?: number;
  /** AUTO_DISABLE_AFTER_DAYS. @default CONFIG_DEFAULTS.AUTO_DISABLE_AFTER_DAYS */
  readonly autoDisableAfterDays?: number;
  /** Reserved concurrency of the delivery function; `null` for none. @default null (none: see README) */
  readonly deliveryReservedConcurrency?: number | null;
  /** Reserved concurrency of the fan-out function; `null` for none. @default null (none: see README) */
  readonly fanOutReservedConcurrency?: number | null;
  /** Max concurrency of the delivery SQS event source. @default 50 */
  readonly deliveryMaxConcurrency?: number;
  /** @default 50 */
  readonly apiRateLimit?: number;
  /** @default 100 */
  readonly apiBurstLimit?: number;
  /** @default no email subscription */
  readonly alarmEmail?: string;
  /**
   * E-mail address the webhook notices (failing, recovered, disabled) are sent to, through an
   * EventBridge rule and an SNS topic; throws when it is not an e-mail address.
   * @default no notice e-mail
   */
  readonly noticeEmail?: string;
  /**
   * The console's public URL, which notices link to (`consoleUrl` of each notice), when the console is
   * served somewhere else than the stack's own CloudFront distribution (the platform's domain).
   * @default the admin console's CloudFront origin; no link when neither exists
   */
  readonly consoleUrl?: string;
  /**
   * The admin console (docs/contract.md#console) on CloudFront, signing in with OIDC against `jwtIssuer`;
   * `false` deploys none.
   * @default { assetPath: 'console/dist', clientId: jwtAudience[0] }
   */
  readonly adminConsole?:
    | false
    | {
        readonly assetPath?: string;
        readonly clientId?: string;
        readonly extraConnectSources?: readonly string[];
        readonly portalAllowedOrigins?: readonly string[];
      };
}

/** Where `npm ci` / `npm run build:console` put the built console. */
export const CONSOLE_DIST = fileURLToPath(new URL('../console/dist', import.meta.url));

/** Code and its wiring: functions, the EventBridge rule, the admin API, alarms and the dashboard. */
export class ServiceStack extends Stack {
  public readonly eventIngest: EventIngest;
  public readonly deliveryPipeline: DeliveryPipeline;
  public readonly adminApi: AdminApi;
  public readonly adminConsole: AdminConsole | undefined;
  public readonly alarms: Alarms;
  public readonly noticeEmail: NoticeEmail | undefined;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { stateful } = props;
    const optional = <K extends string, V>(key: K, value: V | undefined) =>
      (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

    this.eventIngest = new EventIngest(this, 'EventIngest', {
      eventBus: stateful.eventBus,
      fanOutDeadLetterQueue: stateful.fanOutDeadLetterQueue,
      table: stateful.table,
      deliveryQueue: stateful.deliveryQueue,
      orderedDeliveryQueue: stateful.orderedDeliveryQueue,
      ...optional('reservedConcurrency', props.fanOutReservedConcurrency),
    });

    this.deliveryPipeline = new DeliveryPipeline(this, 'DeliveryPipeline', {
      table: stateful.table,
      deliveryQueue: stateful.deliveryQueue,
      deliveryVisibilityTimeout: stateful.deliveryVisibilityTimeout,
      deadLetterQueue: stateful.deliveryDeadLetterQueue,
      orderedDeliveryQueue: stateful.orderedDeliveryQueue,
      orderedDeadLetterQueue: stateful.orderedDeadLetterQueue,
      deadLetterVisibilityTimeout: stateful.deadLetterVisibilityTimeout,
      encryptionKeySecret: stateful.encryptionKeySecret,
      eventBus: stateful.eventBus,
      ...optional('retrySchedule', props.retrySchedule),
      ...optional('deliveryTimeout', props.deliveryTimeout),
      ...optional('failureLogTtlDays', props.failureLogTtlDays),
      ...optional('autoDisableAfterDays', props.autoDisableAfterDays),
      ...optional('reservedConcurrency', props.deliveryReservedConcurrency),
      ...optional('maxConcurrency', props.deliveryMaxConcurrency),
    });

    const consoleProps = props.adminConsole === false ? undefined : (props.adminConsole ?? {});
    this.adminConsole = consoleProps
      ? new AdminConsole(this, 'AdminConsole', {
          assetPath: consoleProps.assetPath ?? CONSOLE_DIST,
          oidcIssuer: props.jwtIssuer,
          ...optional('extraConnectSources', consoleProps.extraConnectSources),
          ...optional('portalAllowedOrigins', consoleProps.portalAllowedOrigins),
        })
      : undefined;

    this.adminApi = new AdminApi(this, 'AdminApi', {
      jwtIssuer: props.jwtIssuer,
      jwtAudience: props.jwtAudience,
      table: stateful.table,
      deliveryQueue: stateful.deliveryQueue,
      orderedDeliveryQueue: stateful.orderedDeliveryQueue,
      encryptionKeySecret: stateful.encryptionKeySecret,
      ...optional('tenantClaim', props.tenantClaim),
      ...optional('platformPrincipals', props.platformPrincipals),
      ...optional('deliveryTimeout', props.deliveryTimeout),
      ...optional('throttlingRateLimit', props.apiRateLimit),
      ...optional('throttlingBurstLimit', props.apiBurstLimit),
      ...optional('corsAllowedOrigins', this.adminConsole ? [this.adminConsole.origin] : undefined),
      ...optional('consoleUrl', this.adminConsole?.origin),
    });
    // Notices (published by the delivery function) link to the webhook's page in the console.
    const noticeConsoleUrl = props.consoleUrl ?? this.adminConsole?.origin;
    if (noticeConsoleUrl !== undefined) {
      this.deliveryPipeline.delivery.function.addEnvironment('CONSOLE_URL', noticeConsoleUrl);
    }
    if (this.adminConsole && consoleProps) {
      this.adminConsole.publish({
        apiUrl: this.adminApi.stage.url,
        clientId: consoleProps.clientId ?? props.jwtAudience[0] ?? PLACEHOLDER_JWT_AUDIENCE,
      });
      new CfnOutput(this, 'AdminConsoleUrl', {
        value: this.adminConsole.origin,
        description: 'The admin console (sign in with your OIDC provider)',
      });
    }

    const functions = {
      FanOut: this.eventIngest.fanOut.function,
      Delivery: this.deliveryPipeline.delivery.function,
      DlqProcessor: this.deliveryPipeline.deadLetterProcessor.function,
      FanOutDlqProcessor: this.eventIngest.deadLetterProcessor.function,
      Api: this.adminApi.api.function,
    };
    const queues = {
      deliveryQueue: stateful.deliveryQueue,
      deliveryDeadLetterQueue: stateful.deliveryDeadLetterQueue,
      fanOutDeadLetterQueue: stateful.fanOutDeadLetterQueue,
    };
    this.alarms = new Alarms(this, 'Alarms', {
      ...queues,
      functions,
      ...optional('alarmEmail', props.alarmEmail),
    });
    this.noticeEmail =
      props.noticeEmail === undefined
        ? undefined
        : new NoticeEmail(this, 'NoticeEmail', { eventBus: stateful.eventBus, email: props.noticeEmail });
    if (this.noticeEmail) new CfnOutput(this, 'NoticeTopicArn', { value: this.noticeEmail.topic.topicArn });
    new OperationsDashboard(this, 'Dashboard', { ...queues, functions, alarms: this.alarms.alarms });

    new CfnOutput(this, 'AdminApiUrl', {
      value: this.adminApi.stage.url,
      description: 'Base URL of the admin API',
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    new CfnOutput(this, 'DeliveryFunctionName', {
      value: this.deliveryPipeline.delivery.function.functionName,
      description: 'npm run verify compares its SQS event source maximum concurrency with the account',
    });
    new CfnOutput(this, 'FanOutRuleArn', {
      value: this.eventIngest.rule.ruleArn,
      description: 'The catalogue rule: the filter of an archive replay (README "Replaying events")',
    });
  }
}

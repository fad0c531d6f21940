import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import {
  HttpIamAuthorizer,
  HttpJwtAuthorizer,
  HttpLambdaAuthorizer,
  HttpLambdaResponseType,
} from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONFIG_DEFAULTS } from '#config';
import { assertAttemptFitsFunction, configSetting } from '../function-environment';
import { FUNCTION_SIZING } from '../function-sizing';
import { grantSecretValue, grantSendMessage } from './grants';
import { ServiceFunction } from './service-function';
import { grantTableAccess, TABLE_ACCESS } from './table-access';

/** Settings of the admin API. */
export interface AdminApiProps {
  /** Issuer of the admins' JWTs (`iss`), an https URL, e.g. `https://example.auth0.com/`. */
  readonly jwtIssuer: string;
  /** Accepted audiences (`aud`); at least one. */
  readonly jwtAudience: readonly string[];
  readonly table: dynamodb.ITable;
  readonly deliveryQueue: sqs.IQueue;
  /** The FIFO queue of ordered deliveries (docs/ordering.md). */
  readonly orderedDeliveryQueue: sqs.IQueue;
  readonly encryptionKeySecret: secretsmanager.ISecret;
  /**
   * JWT claim naming the admin's tenant (TENANT_CLAIM); judged by src/config.ts, as deliveryTimeout.
   * @default CONFIG_DEFAULTS.TENANT_CLAIM
   */
  readonly tenantClaim?: string;
  /**
   * Timeout of the test delivery `POST /v1/webhooks/{id}/test` makes (DELIVERY_TIMEOUT_MS);
   * shorter than the API function's timeout.
   * @default CONFIG_DEFAULTS.DELIVERY_TIMEOUT_MS
   */
  readonly deliveryTimeout?: Duration;
  /**
   * Steady-state requests per second across the stage.
   * @default 50
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst of requests above the rate.
   * @default 100
   */
  readonly throttlingBurstLimit?: number;
  /**
   * Retention of the access log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly accessLogRetention?: logs.RetentionDays;
  /**
   * Browser origins allowed to call the API (CORS), e.g. the admin console's
   * `https://<distribution>.cloudfront.net`; nothing else gets CORS headers.
   * @default no CORS
   */
  readonly corsAllowedOrigins?: readonly string[];
  /**
   * IAM principals (role or user ARNs) of the platform, the only callers of `POST`/`DELETE
   * /v1/portal-sessions` (IAM authorization, SigV4); written to the API function as
   * PLATFORM_PRINCIPALS, which it checks, since an HTTP API has no resource policy to do so.
   * @default none: the platform routes are not deployed (those paths stay behind the JWT authorizer,
   * where tenants get 403)
   */
  readonly platformPrincipals?: readonly string[];
  /**
   * The console's base URL (CONSOLE_URL), where minted portal links open, e.g. its
   * `https://<distribution>.cloudfront.net`.
   * @default none: minting a link answers that the console is not configured
   */
  readonly consoleUrl?: string;
}

/** A role or user ARN (an assumed-role session matches its role); the handler checks the same shape. */
const PRINCIPAL_ARN = /^arn:[a-z-]+:(iam|sts)::\d{12}:[\w+=,.@/-]+$/;

/**
 * The methods of the admin routes under `/v1` (src/app/admin-api.ts; a test holds the two together).
 * Never `ANY` and never `OPTIONS`: see the CORS note in the constructor.
 */
export const AUTHENTICATED_METHODS = ['GET', 'POST', 'PATCH', 'DELETE'] as const;

/**
 * The HTTP API: `GET /health`, the OpenAPI document and the portal link exchange open; every tenant
 * route under `/v1` behind the JWT authorizer; the same routes under `/portal/v1` behind the
 * portal-session Lambda authorizer; the platform's `POST`/`DELETE /v1/portal-sessions` behind IAM.
 */
export class AdminApi extends Construct {
  public readonly httpApi: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  public readonly api: ServiceFunction;
  /** The Lambda authorizer of portal sessions (functions/portal-authorizer.ts) on `/portal/v1`. */
  public readonly portalAuthorizer: ServiceFunction;
  public readonly accessLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AdminApiProps) {
    super(scope, id);
    if (!/^https:\/\/[^\s/]+/.test(props.jwtIssuer)) {
      throw new Error(`AdminApi: jwtIssuer must be an https URL, got "${props.jwtIssuer}"`);
    }
    if (props.jwtAudience.length === 0 || props.jwtAudience.some((audience) => audience.trim() === '')) {
      throw new Error('AdminApi: jwtAudience must list at least one non-empty audience');
    }
    const tenantClaim = configSetting(
      'AdminApi',
      'tenantClaim',
      'TENANT_CLAIM',
      props.tenantClaim ?? CONFIG_DEFAULTS.TENANT_CLAIM,
    );
    const rateLimit = props.throttlingRateLimit ?? 50;
    const burstLimit = props.throttlingBurstLimit ?? 100;
    if (!(rateLimit > 0) || !Number.isInteger(burstLimit) || burstLimit < 1) {
      throw new Error('AdminApi: throttlingRateLimit and throttlingBurstLimit must be positive');
    }
    const deliveryTimeoutMs = configSetting(
      'AdminApi',
      'deliveryTimeout',
      'DELIVERY_TIMEOUT_MS',
      String(props.deliveryTimeout?.toMilliseconds() ?? CONFIG_DEFAULTS.DELIVERY_TIMEOUT_MS),
    );
    assertAttemptFitsFunction('AdminApi', Number(deliveryTimeoutMs), FUNCTION_SIZING.api.timeout);
    const platformPrincipals = props.platformPrincipals ?? [];
    for (const arn of platformPrincipals) {
      if (!PRINCIPAL_ARN.test(arn)) {
        throw new Error(`AdminApi: platformPrincipals must be IAM role or user ARNs, got "${arn}"`);
      }
    }

    this.api = new ServiceFunction(this, 'Api', {
      name: 'api',
      ...FUNCTION_SIZING.api,
      environment: {
        TABLE_NAME: props.table.tableName,
        DELIVERY_QUEUE_URL: props.deliveryQueue.queueUrl,
        ORDERED_DELIVERY_QUEUE_URL: props.orderedDeliveryQueue.queueUrl,
        ENCRYPTION_KEY_SECRET_ARN: props.encryptionKeySecret.secretArn,
        TENANT_CLAIM: tenantClaim,
        DELIVERY_TIMEOUT_MS: deliveryTimeoutMs,
        ...(platformPrincipals.length > 0 ? { PLATFORM_PRINCIPALS: platformPrincipals.join(',') } : {}),
        ...(props.consoleUrl !== undefined ? { CONSOLE_URL: props.consoleUrl } : {}),
      },
    });
    grantTableAccess(props.table, this.api.function, TABLE_ACCESS.api);
    grantSecretValue(props.encryptionKeySecret, this.api.function);
    // Redelivery of a failure log enqueues the delivery again.
    grantSendMessage(props.deliveryQueue, this.api.function);
    // Redeliveries to ordered webhooks join their conversation's queue.
    grantSendMessage(props.orderedDeliveryQueue, this.api.function);

    this.portalAuthorizer = new ServiceFunction(this, 'PortalAuthorizer', {
      name: 'portal-authorizer',
      ...FUNCTION_SIZING.portalAuthorizer,
      environment: { TABLE_NAME: props.table.tableName },
    });
    grantTableAccess(props.table, this.portalAuthorizer.function, TABLE_ACCESS.portalAuthorizer);

    const corsOrigins = props.corsAllowedOrigins ?? [];
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'chat-webhooks admin API',
      createDefaultStage: false,
      // API Gateway answers a preflight itself only when no route matches `OPTIONS <path>`: routes
      // name their methods (below) so that none does, and the browser's OPTIONS, which carries no
      // token, never reaches the JWT authorizer (an `ANY` route would take it and answer 401).
      ...(corsOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: [...corsOrigins],
              allowMethods: AUTHENTICATED_METHODS.map((method) => apigwv2.CorsHttpMethod[method]),
              allowHeaders: ['authorization', 'content-type'],
              allowCredentials: false,
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit, burstLimit },
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup) },
    });

    const integration = new HttpLambdaIntegration('ApiIntegration', this.api.function, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', props.jwtIssuer, {
      jwtAudience: [...props.jwtAudience],
    });
    const healthRoutes = this.httpApi.addRoutes({
      path: '/health',
      methods: [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.HEAD],
      integration,
    });
    // The contract is public so that tools and people can read it before they hold a token.
    const [openApiRoute] = this.httpApi.addRoutes({
      path: '/v1/openapi.json',
      methods: [apigwv2.HttpMethod.GET],
      integration,
    });
    this.httpApi.addRoutes({
      path: '/v1/{proxy+}',
      methods: AUTHENTICATED_METHODS.map((method) => apigwv2.HttpMethod[method]),
      integration,
      authorizer,
    });
    // The link's token in the body is the credential: exchanged once, it cannot carry a JWT or SigV4.
    const [exchangeRoute] = this.httpApi.addRoutes({
      path: '/v1/portal-sessions/exchange',
      methods: [apigwv2.HttpMethod.POST],
      integration,
    });
    // A portal session is an opaque bearer token looked up on every request (no cache: revocation
    // takes effect at once). Named methods, as above, so a preflight never meets this authorizer.
    this.httpApi.addRoutes({
      path: '/portal/v1/{proxy+}',
      methods: AUTHENTICATED_METHODS.map((method) => apigwv2.HttpMethod[method]),
      integration,
      authorizer: new HttpLambdaAuthorizer('PortalSessionAuthorizer', this.portalAuthorizer.function, {
        responseTypes: [HttpLambdaResponseType.SIMPLE],
        identitySource: ['$request.header.Authorization'],
        resultsCacheTtl: Duration.seconds(0),
      }),
    });
    if (platformPrincipals.length > 0) {
      // More specific than /v1/{proxy+}, so these two take the platform's SigV4 calls; which
      // principals may is checked by the function (PLATFORM_PRINCIPALS).
      this.httpApi.addRoutes({
        path: '/v1/portal-sessions',
        methods: [apigwv2.HttpMethod.POST, apigwv2.HttpMethod.DELETE],
        integration,
        authorizer: new HttpIamAuthorizer(),
      });
    }

    if (exchangeRoute) {
      Validations.of(exchangeRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'POST /v1/portal-sessions/exchange authenticates by the single-use portal link token in its body, checked by the function.',
      });
    }

    if (openApiRoute) {
      Validations.of(openApiRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'GET /v1/openapi.json is the API description, served without a token so clients can be generated from it; it holds no tenant data.',
      });
    }
    for (const route of healthRoutes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'GET and HEAD /health are the liveness probe and must answer without a token; they return no data.',
      });
    }
  }
}

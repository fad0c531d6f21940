import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '#observability';
import type { FunctionEnvironment } from '../function-environment';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The Lambda handlers under functions/, one file per function. */
export type FunctionName =
  | 'api'
  | 'fan-out'
  | 'delivery'
  | 'dlq-processor'
  | 'fan-out-dlq-processor'
  | 'portal-authorizer';

/** Settings every function of the service shares, namespaced for Powertools. */
export const COMMON_ENVIRONMENT = {
  POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  NODE_OPTIONS: '--enable-source-maps',
} as const;

/** The share of a function's memory V8's old generation may take (the rest: code, new space, buffers). */
const OLD_SPACE_SHARE = 0.6;

/**
 * NODE_OPTIONS for a function of `memorySize` MiB: source maps, and V8's old generation capped at
 * OLD_SPACE_SHARE of the memory, so that V8 collects garbage before the process outgrows the function
 * rather than when its own default limit (far above Lambda's sizes) says so. Measured on the delivery
 * bundle's worst-case batch under CPU contention (test/functions/deployed-bundles.test.ts): peak RSS
 * 227–275 MiB without the cap against 256 MB, 206 MiB with it (a cap of 153).
 */
export function nodeOptionsFor(memorySize: number): string {
  return `${COMMON_ENVIRONMENT.NODE_OPTIONS} --max-old-space-size=${Math.floor(memorySize * OLD_SPACE_SHARE)}`;
}

/**
 * The current Node.js runtime. nodejs20.x is deprecated (2026-04-30); cdk-nag's L1 wants the newest
 * runtime aws-cdk-lib knows, and the bundle targets node22 so it also runs on nodejs22.x.
 */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Settings of one service function. */
export interface ServiceFunctionProps {
  /** Which handler under functions/ to bundle. */
  readonly name: FunctionName;
  /** Memory in MiB. */
  readonly memorySize: number;
  readonly timeout: Duration;
  /**
   * Environment beyond COMMON_ENVIRONMENT: only variables of src/config.ts, and only those this
   * function reads.
   * @default {}
   */
  readonly environment?: FunctionEnvironment;
  /**
   * Reserved concurrency; it caps the load on downstream systems but fails deploys on accounts
   * whose unreserved pool would drop below 100, so it is opt-in here.
   * @default undefined (no reservation)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A Node.js Lambda function bundled offline with esbuild (ESM, arm64, sourcemaps), with its own
 * role (no managed policies) and its own log group.
 */
export class ServiceFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    if (!Number.isInteger(props.memorySize) || props.memorySize < 128 || props.memorySize > 10_240) {
      throw new Error(
        `ServiceFunction ${props.name}: memorySize must be 128-10240 MiB, got ${props.memorySize}`,
      );
    }
    const timeoutSeconds = props.timeout.toSeconds();
    if (timeoutSeconds < 1 || timeoutSeconds > 900) {
      throw new Error(`ServiceFunction ${props.name}: timeout must be 1-900 seconds, got ${timeoutSeconds}`);
    }
    const reserved = props.reservedConcurrentExecutions;
    if (reserved !== undefined && (!Number.isInteger(reserved) || reserved < 1)) {
      throw new Error(
        `ServiceFunction ${props.name}: reservedConcurrentExecutions must be a positive integer`,
      );
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      // Kept on stack deletion, but not after a failed first create: nothing was logged yet.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `chat-webhooks ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: `${PROJECT_ROOT}functions/${props.name}.ts`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      // No active X-Ray tracing: nothing in the code makes a segment, so it would bill traces and
      // need xray:* on every role for no insight.
      tracing: lambda.Tracing.DISABLED,
      environment: {
        ...COMMON_ENVIRONMENT,
        NODE_OPTIONS: nodeOptionsFor(props.memorySize),
        ...props.environment,
      },
      ...(reserved !== undefined ? { reservedConcurrentExecutions: reserved } : {}),
      bundling: {
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        // Some bundled dependencies are CommonJS and call require(); ESM has none until we make one.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        target: 'node22',
        // Bundle the AWS SDK too, so the deployed code runs the versions the lock file pins.
        externalModules: [],
      },
    });
  }
}

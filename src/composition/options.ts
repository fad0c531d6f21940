/** What a runtime overrides when it builds services, and the AWS client settings derived from it. */
import type { AwsClientOptions, AwsRequestCounter } from '#adapters/aws-clients';
import type { MasterKeySource } from '#adapters/encryption-key';
import type { HostResolver } from '#domain/ports';

/** Where the AWS clients point and what else a runtime overrides. */
export interface CompositionOptions {
  /** Per-service endpoints (local emulators); absent on AWS. */
  endpoints?: { dynamodb?: string; sqs?: string; eventbridge?: string };
  /** Per-service request handlers that replace the socket (the local runtime's in-process endpoints). */
  transports?: { sqs?: AwsClientOptions['requestHandler']; eventbridge?: AwsClientOptions['requestHandler'] };
  /** Credentials/region for local endpoints; on AWS the default provider chain is used. */
  aws?: Pick<AwsClientOptions, 'credentials' | 'region'>;
  /** Counts AWS API calls at the SDK boundary (the benchmark reads it). */
  counter?: AwsRequestCounter;
  /** The master key; defaults to the Secrets Manager secret named by ENCRYPTION_KEY_SECRET_ARN. */
  keySource?: MasterKeySource;
  resolver?: HostResolver;
  /** Extra trusted CA certificates for outbound TLS (tests with a self-signed receiver). */
  tlsCa?: string | Buffer;
}

/** The options of one AWS client, aimed at `endpoint` when a runtime names one. */
export function awsClientOptions(
  options: CompositionOptions,
  endpoint: string | undefined,
  requestHandler?: AwsClientOptions['requestHandler'],
): AwsClientOptions {
  return {
    ...options.aws,
    ...(endpoint ? { endpoint } : {}),
    ...(requestHandler ? { requestHandler } : {}),
    ...(options.counter ? { counter: options.counter } : {}),
  };
}

/** A setting a builder cannot work without; its absence is a deployment mistake, reported by name. */
export function requiredSetting(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} must be set`);
  return value;
}

import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '#adapters/dynamodb/table-definition';
import { configSetting } from '../function-environment';

/** Settings of the webhook table. */
export interface WebhookStoreProps {
  /**
   * Physical table name (TABLE_NAME, judged by src/config.ts). Leave it to CloudFormation unless
   * something outside this app needs it.
   * @default a generated name
   */
  readonly tableName?: string;
  /**
   * What happens to the table (webhooks, secrets, failure logs) when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * A customer-managed key for encryption at rest.
   * @default the AWS-managed DynamoDB key
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Whether CloudFormation refuses to delete the table.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/** The single DynamoDB table of the service: on-demand, PITR, encrypted, TTL on `expiresAt`. */
export class WebhookStore extends Construct {
  /** The table; key design in src/adapters/dynamodb/table-definition.ts. */
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: WebhookStoreProps = {}) {
    super(scope, id);
    if (props.tableName !== undefined)
      configSetting('WebhookStore', 'tableName', 'TABLE_NAME', props.tableName);

    this.table = new dynamodb.Table(this, 'Table', {
      ...(props.tableName ? { tableName: props.tableName } : {}),
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_KEYS.timeToLiveAttribute,
      ...(props.encryptionKey
        ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: props.encryptionKey }
        : { encryption: dynamodb.TableEncryption.AWS_MANAGED }),
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_KEYS.byWebhookIndex.name,
      partitionKey: { name: TABLE_KEYS.byWebhookIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.byWebhookIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
}

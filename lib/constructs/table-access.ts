import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { TABLE_KEYS } from '#adapters/dynamodb/table-definition';

/** Item reads the service makes; deliberately no Scan (every access pattern is a key or a Query). */
export const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
] as const;

/** Item writes; TransactWriteItems is authorised through these per-item actions. */
export const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;

function tableResources(table: dynamodb.ITable): string[] {
  // The one index by name rather than `index/*`, so the grant names exactly what exists.
  return [table.tableArn, `${table.tableArn}/index/${TABLE_KEYS.byWebhookIndex.name}`];
}

/** Grants item reads and writes on the table and its index (every function writes: rejected events, health, logs). */
export function grantTableReadWrite(table: dynamodb.ITable, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS],
    resourceArns: tableResources(table),
  });
}

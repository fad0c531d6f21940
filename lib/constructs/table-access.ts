import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { TABLE_KEYS } from '#adapters/dynamodb/table-definition';

/** The item operations the service makes; deliberately no Scan (every access pattern is a key or a Query). */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem';

/** What one function does with the table: operations on the base table, and on the gsi1 index. */
export interface TableAccess {
  readonly table: readonly TableAction[];
  /** @default none */
  readonly index?: readonly 'Query'[];
}

/**
 * Exactly what each function's code calls (recorded from the deployed bundles and checked by the
 * IAM simulation in test/functions/deployed-bundles.test.ts, which fails on a call not granted here
 * and on a grant no call uses). A new call in a function goes here and into that test.
 */
export const TABLE_ACCESS = {
  // Webhooks and their subscriptions (written one by one or grouped), health, every list and read;
  // failure logs of one webhook through gsi1; portal links (PutItem to mint, a conditional DeleteItem
  // is the single-use exchange) and revocation (UpdateItem bumps the tenant's generation).
  api: {
    table: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'],
    index: ['Query'],
  },
  // Subscribers (Query), event-id claims that carry the event's payload (conditional PutItem, GetItem
  // on a clash), rejected events (PutItem).
  fanOut: { table: ['GetItem', 'Query', 'PutItem'] },
  // Webhook reads (one, or a batch's at once), the delivery log (UpdateItem, grouped first-attempt
  // records in BatchWriteItem), health (counters and the failing period: GetItem, conditional
  // UpdateItem), deactivation (the webhook PutItem, its subscriptions DeleteItem).
  delivery: { table: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'] },
  // The failure log (conditional PutItem), the webhook it names (GetItem), the delivery record's link.
  dlqProcessor: { table: ['GetItem', 'PutItem', 'UpdateItem'] },
  // Rejected events only.
  fanOutDlqProcessor: { table: ['PutItem'] },
  // Reads only: the portal session and its tenant's generation (GetItem each).
  portalAuthorizer: { table: ['GetItem'] },
} as const satisfies Record<string, TableAccess>;

/** Grants `access` on the table (and on its one index by name, never `index/*`). */
export function grantTableAccess(table: dynamodb.ITable, grantee: iam.IGrantable, access: TableAccess): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: access.table.map((action) => `dynamodb:${action}`),
    resourceArns: [table.tableArn],
  });
  if (access.index && access.index.length > 0) {
    iam.Grant.addToPrincipal({
      grantee,
      actions: access.index.map((action) => `dynamodb:${action}`),
      resourceArns: [`${table.tableArn}/index/${TABLE_KEYS.byWebhookIndex.name}`],
    });
  }
}

/**
 * Paginated Query shared by the repositories: gathers up to `limit` matching items even when a
 * FilterExpression discards most of what DynamoDB reads, and hands back a start key that resumes
 * exactly after the last item returned, so every item appears on exactly one page.
 */
import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Page, PageKey } from '#domain/model';

// With a filter, DynamoDB's Limit counts items read, not items matched: read in larger pages so
// a selective filter does not cost one round trip per item.
const FILTERED_READ_SIZE = 100;

export interface PagedQuery {
  input: Omit<QueryCommandInput, 'Limit' | 'ExclusiveStartKey'>;
  limit: number;
  startKey?: PageKey;
  /** The attributes that make an item's position in this query (table and index keys). */
  keyAttributes: readonly string[];
}

/** Runs the query until `limit` items are gathered or the partition ends. */
export async function queryPage(
  client: DynamoDBDocumentClient,
  query: PagedQuery,
): Promise<Page<Record<string, unknown>>> {
  if (query.limit < 1) return { items: [] };
  const isFiltered = query.input.FilterExpression !== undefined;
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined = query.startKey;
  for (;;) {
    const needed = query.limit - items.length;
    // One more than needed tells, without another round trip, whether anything follows.
    const readSize = isFiltered ? Math.max(needed + 1, FILTERED_READ_SIZE) : needed + 1;
    const result = await client.send(
      new QueryCommand({ ...query.input, Limit: readSize, ExclusiveStartKey: startKey }),
    );
    for (const item of result.Items ?? []) {
      if (items.length === query.limit)
        return { items, nextKey: positionOf(items.at(-1), query.keyAttributes) };
      items.push(item);
    }
    if (!result.LastEvaluatedKey) return { items };
    if (items.length === query.limit) {
      // More may follow (the read stopped at its Limit); resume after the last item we return.
      return { items, nextKey: positionOf(items.at(-1), query.keyAttributes) };
    }
    startKey = result.LastEvaluatedKey;
  }
}

function positionOf(item: Record<string, unknown> | undefined, keyAttributes: readonly string[]): PageKey {
  const key: PageKey = {};
  for (const attribute of keyAttributes) key[attribute] = item?.[attribute];
  return key;
}

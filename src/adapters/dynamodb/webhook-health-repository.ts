/**
 * Webhook health in the single table: one item per webhook, `T#<tenant>#DL#<webhookId>` / `HEALTH`,
 * holding the latest attempt and one pair of counters per hour (`s<epochHour>`, `f<epochHour>`).
 * A flush is one UpdateItem (ADD to the hour's counters, SET the latest attempt, REMOVE hours that
 * left the window), and reading a webhook's health is one GetItem (a list page: one BatchGetItem):
 * no read ever touches the delivery records. The same item holds the webhook's failing period
 * (`failingSince`, `failureSeenAt`, `failingNoticeHours`) and its latest success (`lastSucceededAt`),
 * each written by a conditional UpdateItem of its own attributes: never through the webhook record.
 */
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type HourStats, LATENCY_BOUNDS_MS, STATS_RETENTION_DAYS } from '#domain/delivery-stats';
import type {
  FailingPeriod,
  FailingPeriodState,
  HealthCounters,
  HealthFlush,
  WebhookHealthRepository,
} from '#domain/ports';
import { deliveryPartition } from './delivery-log-repository';
import { TABLE_KEYS } from './table-definition';
import { toEpochSeconds } from './ttl';

const HOUR_MS = 3_600_000;
/** Hours counted as "the last 24 hours": the current one and the 23 before it. */
const WINDOW_HOURS = 24;
/** Hours older than the window removed by each flush (a webhook idle for longer keeps a few stale pairs, never counted). */
const PRUNED_HOURS = 48;
const BATCH_GET_MAX = 100;

/**
 * The stats of one hour: `STATS#<epoch hour, 10 digits>` beside the health item, so one Query reads a
 * window in order. Small (under 200 bytes), so each flush's ADD costs one write unit.
 */
const statsSortKey = (hour: number) => `STATS#${String(hour).padStart(10, '0')}`;

const healthKey = (tenantId: string, webhookId: string) => ({
  pk: deliveryPartition(tenantId, webhookId),
  sk: 'HEALTH',
});

/** WebhookHealthRepository on DynamoDB. */
export class DynamoWebhookHealthRepository implements WebhookHealthRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async add(tenantId: string, webhookId: string, flush: HealthFlush, expiresAt: Date): Promise<void> {
    const names: Record<string, string> = { '#expiresAt': TABLE_KEYS.timeToLiveAttribute };
    const values: Record<string, unknown> = { ':expiresAt': toEpochSeconds(expiresAt) };
    const adds: string[] = [];
    const counted = new Set<string>();
    for (const { hour, succeeded, failed } of flush.counts) {
      for (const [prefix, count] of [
        ['s', succeeded],
        ['f', failed],
      ] as const) {
        if (count <= 0) continue;
        const attribute = `${prefix}${hour}`;
        counted.add(attribute);
        names[`#${attribute}`] = attribute;
        values[`:${attribute}`] = count;
        adds.push(`#${attribute} :${attribute}`);
      }
    }
    const newestHour = Math.max(
      ...flush.counts.map(({ hour }) => hour),
      Math.floor(Date.parse(flush.last.at) / HOUR_MS),
    );
    const removes: string[] = [];
    for (let hour = newestHour - WINDOW_HOURS - PRUNED_HOURS; hour <= newestHour - WINDOW_HOURS; hour++) {
      for (const prefix of ['s', 'f']) {
        const attribute = `${prefix}${hour}`;
        if (counted.has(attribute)) continue;
        names[`#${attribute}`] = attribute;
        removes.push(`#${attribute}`);
      }
    }
    const latest = {
      names: {
        '#lastAttemptAt': 'lastAttemptAt',
        '#lastOutcome': 'lastOutcome',
        '#lastStatusCode': 'lastStatusCode',
      },
      values: {
        ':lastAttemptAt': flush.last.at,
        ':lastOutcome': flush.last.outcome,
        ...(flush.last.statusCode !== undefined ? { ':lastStatusCode': flush.last.statusCode } : {}),
      },
      sets: [
        '#lastAttemptAt = :lastAttemptAt',
        '#lastOutcome = :lastOutcome',
        ...(flush.last.statusCode !== undefined ? ['#lastStatusCode = :lastStatusCode'] : []),
      ],
      removes: flush.last.statusCode === undefined ? ['#lastStatusCode'] : [],
    };
    // The latest success, kept only when later than the stored one (a failing period it follows is over).
    const succeeded =
      flush.lastSucceededAt === undefined
        ? undefined
        : {
            names: { '#lastSucceededAt': 'lastSucceededAt' },
            values: { ':lastSucceededAt': flush.lastSucceededAt },
            set: '#lastSucceededAt = :lastSucceededAt',
            condition: '(attribute_not_exists(#lastSucceededAt) OR #lastSucceededAt < :lastSucceededAt)',
          };
    const send = (withLatest: boolean, withSucceeded: boolean) => {
      const sets = [
        '#expiresAt = :expiresAt',
        ...(withLatest ? latest.sets : []),
        ...(withSucceeded && succeeded ? [succeeded.set] : []),
      ];
      const allRemoves = [...removes, ...(withLatest ? latest.removes : [])];
      const expression = [
        `SET ${sets.join(', ')}`,
        ...(adds.length > 0 ? [`ADD ${adds.join(', ')}`] : []),
        ...(allRemoves.length > 0 ? [`REMOVE ${allRemoves.join(', ')}`] : []),
      ].join(' ');
      const conditions = [
        ...(withLatest ? ['(attribute_not_exists(#lastAttemptAt) OR #lastAttemptAt <= :lastAttemptAt)'] : []),
        ...(withSucceeded && succeeded ? [succeeded.condition] : []),
      ];
      return this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: healthKey(tenantId, webhookId),
          UpdateExpression: expression,
          ...(conditions.length > 0 ? { ConditionExpression: conditions.join(' AND ') } : {}),
          ExpressionAttributeNames: {
            ...names,
            ...(withLatest ? latest.names : {}),
            ...(withSucceeded && succeeded ? succeeded.names : {}),
          },
          ExpressionAttributeValues: {
            ...values,
            ...(withLatest ? latest.values : {}),
            ...(withSucceeded && succeeded ? succeeded.values : {}),
          },
        }),
      );
    };
    // Another process may have recorded a later attempt or success meanwhile: its "latest" (or its
    // success) stands, and the counts are added whatever happens. Only contention costs a second write.
    const variants: [boolean, boolean][] = succeeded
      ? [
          [true, true],
          [true, false],
          [false, true],
          [false, false],
        ]
      : [
          [true, false],
          [false, false],
        ];
    for (const [index, [withLatest, withSucceeded]] of variants.entries()) {
      try {
        await send(withLatest, withSucceeded);
        break;
      } catch (error) {
        const isLast = index === variants.length - 1;
        if (isLast || (error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      }
    }
    await Promise.all(flush.counts.map((count) => this.addStats(tenantId, webhookId, count)));
  }

  async noteCircuitOpen(
    tenantId: string,
    webhookId: string,
    openUntil: string,
    expiresAt: Date,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: healthKey(tenantId, webhookId),
          UpdateExpression: 'SET #until = :until, #expiresAt = if_not_exists(#expiresAt, :expiresAt)',
          ConditionExpression: 'attribute_not_exists(#until) OR #until < :until',
          ExpressionAttributeNames: {
            '#until': 'circuitOpenUntil',
            '#expiresAt': TABLE_KEYS.timeToLiveAttribute,
          },
          ExpressionAttributeValues: { ':until': openUntil, ':expiresAt': toEpochSeconds(expiresAt) },
        }),
      );
    } catch (error) {
      // Another process noted a later opening: that one stands.
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  async failingPeriod(tenantId: string, webhookId: string): Promise<FailingPeriodState> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: healthKey(tenantId, webhookId),
        ConsistentRead: true,
        ProjectionExpression: '#since, #seen, #noticed, #succeeded',
        ExpressionAttributeNames: PERIOD_NAMES,
      }),
    );
    return failingPeriodStateOf(result.Item ?? {});
  }

  async replaceFailingPeriod(
    tenantId: string,
    webhookId: string,
    change: { expected: FailingPeriod | undefined | 'any'; next: FailingPeriod | undefined },
    expiresAt: Date,
  ): Promise<boolean> {
    const values: Record<string, unknown> = { ':expiresAt': toEpochSeconds(expiresAt) };
    const sets = ['#expiresAt = if_not_exists(#expiresAt, :expiresAt)'];
    const removes: string[] = [];
    const { next, expected } = change;
    for (const [name, value] of [
      ['#since', next?.failingSince],
      ['#seen', next?.failureSeenAt],
      ['#noticed', next?.failingNoticeHours],
    ] as const) {
      if (value === undefined) removes.push(name);
      else {
        sets.push(`${name} = :next${name.slice(1)}`);
        values[`:next${name.slice(1)}`] = value;
      }
    }
    const conditions: string[] = [];
    if (expected === undefined) conditions.push('attribute_not_exists(#since)');
    else if (expected !== 'any') {
      for (const [name, value] of [
        ['#since', expected.failingSince],
        ['#seen', expected.failureSeenAt],
        ['#noticed', expected.failingNoticeHours],
      ] as const) {
        if (value === undefined) conditions.push(`attribute_not_exists(${name})`);
        else {
          conditions.push(`${name} = :was${name.slice(1)}`);
          values[`:was${name.slice(1)}`] = value;
        }
      }
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: healthKey(tenantId, webhookId),
          UpdateExpression: [
            `SET ${sets.join(', ')}`,
            ...(removes.length > 0 ? [`REMOVE ${removes.join(', ')}`] : []),
          ].join(' '),
          ...(conditions.length > 0 ? { ConditionExpression: conditions.join(' AND ') } : {}),
          ExpressionAttributeNames: {
            '#since': PERIOD_NAMES['#since'],
            '#seen': PERIOD_NAMES['#seen'],
            '#noticed': PERIOD_NAMES['#noticed'],
            '#expiresAt': TABLE_KEYS.timeToLiveAttribute,
          },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** Adds one hour's counts to its stats item: one UpdateItem of ADDs, safe from any number of processes. */
  private async addStats(
    tenantId: string,
    webhookId: string,
    count: HealthFlush['counts'][number],
  ): Promise<void> {
    const values: Record<string, number> = {
      ':s': count.succeeded,
      ':f': count.failed,
      ':expiresAt': toEpochSeconds(new Date((count.hour + 1) * HOUR_MS + STATS_RETENTION_DAYS * 86_400_000)),
    };
    const adds = ['s :s', 'f :f'];
    (count.latency ?? []).forEach((n, index) => {
      if (n <= 0) return;
      values[`:l${index}`] = n;
      adds.push(`l${index} :l${index}`);
    });
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: deliveryPartition(tenantId, webhookId), sk: statsSortKey(count.hour) },
        UpdateExpression: `SET #expiresAt = :expiresAt ADD ${adds.join(', ')}`,
        ExpressionAttributeNames: { '#expiresAt': TABLE_KEYS.timeToLiveAttribute },
        ExpressionAttributeValues: values,
      }),
    );
  }

  async stats(tenantId: string, webhookId: string, fromHour: number, toHour: number): Promise<HourStats[]> {
    const hours: HourStats[] = [];
    let startKey: Record<string, unknown> | undefined;
    const nowSeconds = Math.floor(Date.now() / 1000);
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': deliveryPartition(tenantId, webhookId),
            ':from': statsSortKey(fromHour),
            ':to': statsSortKey(toHour),
          },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        // Expired items linger until DynamoDB deletes them: filter on read.
        const expiresAt = item[TABLE_KEYS.timeToLiveAttribute];
        if (typeof expiresAt === 'number' && expiresAt <= nowSeconds) continue;
        hours.push({
          hour: Number(String(item.sk).slice('STATS#'.length)),
          succeeded: typeof item.s === 'number' ? item.s : 0,
          failed: typeof item.f === 'number' ? item.f : 0,
          latency: Array.from({ length: LATENCY_BOUNDS_MS.length + 1 }, (_unused, index) => {
            const n = item[`l${index}`];
            return typeof n === 'number' ? n : 0;
          }),
        });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return hours;
  }

  async get(tenantId: string, webhookIds: string[], now: Date): Promise<Map<string, HealthCounters>> {
    const found = new Map<string, HealthCounters>();
    const unique = [...new Set(webhookIds)];
    for (let start = 0; start < unique.length; start += BATCH_GET_MAX) {
      let keys: Record<string, unknown>[] = unique
        .slice(start, start + BATCH_GET_MAX)
        .map((webhookId) => healthKey(tenantId, webhookId));
      for (let round = 0; keys.length > 0 && round < 5; round++) {
        const result = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const webhookId = String(item.pk).slice(deliveryPartition(tenantId, '').length);
          found.set(webhookId, countersOf(item, now));
        }
        keys =
          (result.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
      }
    }
    return found;
  }
}

/** The counters of a stored health item over the 24 hourly buckets up to `now`. */
export function countersOf(item: Record<string, unknown>, now: Date): HealthCounters {
  const currentHour = Math.floor(now.getTime() / HOUR_MS);
  let succeeded24h = 0;
  let failed24h = 0;
  for (let hour = currentHour - WINDOW_HOURS + 1; hour <= currentHour; hour++) {
    const succeeded = item[`s${hour}`];
    const failed = item[`f${hour}`];
    if (typeof succeeded === 'number') succeeded24h += succeeded;
    if (typeof failed === 'number') failed24h += failed;
  }
  const counters: HealthCounters = { succeeded24h, failed24h };
  if (typeof item.lastAttemptAt === 'string') counters.lastAttemptAt = item.lastAttemptAt;
  if (typeof item.lastStatusCode === 'number') counters.lastStatusCode = item.lastStatusCode;
  if (item.lastOutcome === 'succeeded' || item.lastOutcome === 'failed')
    counters.lastOutcome = item.lastOutcome;
  if (typeof item.circuitOpenUntil === 'string') counters.circuitOpenUntil = item.circuitOpenUntil;
  const { period, lastSucceededAt } = failingPeriodStateOf(item);
  if (period) counters.failingSince = period.failingSince;
  if (lastSucceededAt !== undefined) counters.lastSucceededAt = lastSucceededAt;
  return counters;
}

/** The health item's attributes of the failing period. */
const PERIOD_NAMES = {
  '#since': 'failingSince',
  '#seen': 'failureSeenAt',
  '#noticed': 'failingNoticeHours',
  '#succeeded': 'lastSucceededAt',
};

/** The failing period and latest success of a stored health item. */
export function failingPeriodStateOf(item: Record<string, unknown>): FailingPeriodState {
  const state: FailingPeriodState = {};
  if (typeof item.failingSince === 'string') {
    state.period = {
      failingSince: item.failingSince,
      ...(typeof item.failureSeenAt === 'string' ? { failureSeenAt: item.failureSeenAt } : {}),
      ...(typeof item.failingNoticeHours === 'number' ? { failingNoticeHours: item.failingNoticeHours } : {}),
    };
  }
  if (typeof item.lastSucceededAt === 'string') state.lastSucceededAt = item.lastSucceededAt;
  return state;
}

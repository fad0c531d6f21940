/**
 * The single-table design, shared by the CDK construct and the local runtime so both create
 * the same keys and index.
 *
 * | item              | pk                         | sk                       | gsi1pk                     | gsi1sk      |
 * |-------------------|----------------------------|--------------------------|----------------------------|-------------|
 * | webhook           | T#<tenant>                 | WH#<webhookId>           |                            |             |
 * | subscription      | T#<tenant>#E#<eventType>   | B#<brandId or *>#<whId>  |                            |             |
 * | failure log       | T#<tenant>                 | FL#<ulid>                | T#<tenant>#WH#<webhookId>  | FL#<ulid>   |
 * | rejected event    | T#<tenant or (unreadable)>     | RJ#<ulid>                |                            |             |
 * | delivery record   | T#<tenant>#DL#<webhookId>  | DL#<ulid>                | (none: no doubled writes)  |             |
 * | event payload     | T#<tenant>#EV#<eventId>    | PAYLOAD                  |                            |             |
 * | event id claim    | T#<tenant>#EV#<eventId>    | ID                       |                            |             |
 * | event dlv. index  | T#<tenant>#EV#<eventId>    | DL#<ulid>#<webhookId>    |                            |             |
 * | tenant dlv. index | T#<tenant>#DLI#<0..3>      | DL#<ulid>#<webhookId>    |                            |             |
 * | webhook health    | T#<tenant>#DL#<webhookId>  | HEALTH                   |                            |             |
 * | ordered progress  | T#<tenant>#ORD#<dedupId>   | PROGRESS                 |                            |             |
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  byWebhookIndex: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  timeToLiveAttribute: 'expiresAt',
} as const;

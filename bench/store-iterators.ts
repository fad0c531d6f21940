/**
 * `npx tsx bench/store-iterators.ts [--queries=10000] [--guard=on|off]` (add `node --expose-gc` via
 * NODE_OPTIONS for steadier figures): the embedded store's memory against the number of Queries it
 * answered, with and without src/local/dynalite-iterator-guard.ts. Each round writes one 1 KB item and
 * runs one Query with `Limit: 1` on a 500-item partition, as the service's reads do; it counts the
 * native LevelDB iterators opened and closed, and prints RSS every 2,000 rounds. Without the guard
 * every Query leaves its iterator open (opened grows, closed stays 0) and RSS grows with them
 * (bench/RESULTS.md, "Memory under sustained load").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { installDynaliteIteratorGuard } from '#local/dynalite-iterator-guard';

const argument = (name: string, fallback: string): string =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const queries = Number(argument('queries', '10000'));
const isGuarded = argument('guard', 'on') === 'on';

const require = createRequire(import.meta.url);
const dynaliteDir = join(require.resolve('dynalite/package.json'), '..');
const { ClassicLevel } = require(require.resolve('classic-level', { paths: [dynaliteDir] })) as {
  ClassicLevel: { prototype: { _iterator: (...args: unknown[]) => { _close: () => Promise<void> } } };
};
let opened = 0;
let closed = 0;
const original = ClassicLevel.prototype._iterator;
ClassicLevel.prototype._iterator = function (this: unknown, ...args: unknown[]) {
  const iterator = original.apply(this, args);
  opened += 1;
  const close = iterator._close.bind(iterator);
  iterator._close = async () => {
    closed += 1;
    await close();
  };
  return iterator;
};
if (isGuarded) installDynaliteIteratorGuard(require);
const dynalite = require('dynalite') as (options: {
  path: string;
  createTableMs: number;
}) => import('node:net').Server;

const dir = mkdtempSync(join(tmpdir(), 'store-iterators-'));
const server = dynalite({ path: dir, createTableMs: 0 });
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as import('node:net').AddressInfo;
const client = new DynamoDBClient({
  endpoint: `http://127.0.0.1:${port}`,
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
});
const TableName = 'store-iterators';
await client.send(
  new CreateTableCommand({
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
  }),
);
for (let index = 0; index < 500; index++) {
  await client.send(
    new PutItemCommand({
      TableName,
      Item: { pk: { S: 'p' }, sk: { S: `s${String(index).padStart(5, '0')}` }, v: { S: 'x'.repeat(500) } },
    }),
  );
}
const MIB = 1024 * 1024;
const report = (label: string | number) => {
  (globalThis as { gc?: () => void }).gc?.();
  process.stdout.write(
    `${String(label).padStart(7)}  rss_mib=${(process.memoryUsage().rss / MIB).toFixed(0)}  iterators_opened=${opened}  iterators_closed=${closed}\n`,
  );
};
process.stdout.write(`guard=${isGuarded ? 'on' : 'off'}\n`);
report('start');
for (let round = 1; round <= queries; round++) {
  await client.send(
    new PutItemCommand({
      TableName,
      Item: { pk: { S: `w${round}` }, sk: { S: 's' }, v: { S: 'y'.repeat(1000) } },
    }),
  );
  await client.send(
    new QueryCommand({
      TableName,
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': { S: 'p' } },
      Limit: 1,
    }),
  );
  if (round % 2000 === 0) report(round);
}
client.destroy();
server.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);

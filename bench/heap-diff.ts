/**
 * `npx tsx bench/heap-diff.ts <earlier.heapsnapshot> <later.heapsnapshot>`: what grew between two V8
 * heap snapshots (from `bench/soak.ts --heap-snapshots=<dir>`, `v8.writeHeapSnapshot` or
 * `node --heapsnapshot-near-heap-limit`), without a debugger: objects counted and their own sizes
 * summed by constructor (or node type), the largest growth first.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Count and self size per `type:name` of every node in the snapshot. */
function tally(path: string): Map<string, { count: number; bytes: number }> {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = parsed.snapshot.meta.node_fields;
  const types = parsed.snapshot.meta.node_types[0];
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const totals = new Map<string, { count: number; bytes: number }>();
  for (let index = 0; index < parsed.nodes.length; index += stride) {
    const type = types[parsed.nodes[index + typeAt] ?? 0] ?? '?';
    const rawName = parsed.strings[parsed.nodes[index + nameAt] ?? 0] ?? '';
    // Strings and code are many small distinct names: group them by type alone.
    const name = type === 'object' || type === 'closure' || type === 'native' ? rawName.slice(0, 60) : '';
    const key = `${type}:${name}`;
    const entry = totals.get(key) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += parsed.nodes[index + sizeAt] ?? 0;
    totals.set(key, entry);
  }
  return totals;
}

const [earlierPath, laterPath] = process.argv.slice(2);
if (!earlierPath || !laterPath)
  throw new Error('usage: heap-diff.ts <earlier.heapsnapshot> <later.heapsnapshot>');
const earlier = tally(earlierPath);
const later = tally(laterPath);
const sum = (totals: Map<string, { bytes: number }>) =>
  [...totals.values()].reduce((all, entry) => all + entry.bytes, 0);
const rows = [...later].map(([key, entry]) => {
  const before = earlier.get(key) ?? { count: 0, bytes: 0 };
  return { key, count: entry.count - before.count, bytes: entry.bytes - before.bytes, total: entry.bytes };
});
rows.sort((a, b) => b.bytes - a.bytes);
const MIB = 1024 * 1024;
process.stdout.write(
  `heap (self sizes): ${(sum(earlier) / MIB).toFixed(1)} MiB -> ${(sum(later) / MIB).toFixed(1)} MiB\n`,
);
process.stdout.write('growth(KiB)   objects   now(KiB)  type:constructor\n');
for (const row of rows.slice(0, 20)) {
  process.stdout.write(
    `${(row.bytes / 1024).toFixed(0).padStart(11)} ${String(row.count).padStart(9)} ${(row.total / 1024).toFixed(0).padStart(10)}  ${row.key}\n`,
  );
}

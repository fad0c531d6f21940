/**
 * JSON numbers a JavaScript runtime cannot carry exactly. Every reader of a chat event parses it
 * with JSON.parse before our code sees it (the Lambda runtime hands the fan-out an object, the local
 * bus does the same), so the raw text is gone by then. What is left is enough to recognise the
 * damage: rounding is monotonic, so any integer beyond 2^53 arrives as an integer of magnitude at
 * least 2^53, and any value beyond double range arrives as ±Infinity. Both are refused rather than
 * delivered rounded (an id like 9007199254740993 would reach receivers as …992, validly signed).
 * 2^53 itself is refused too, as it cannot be told apart from a rounded neighbour: ids travel as
 * strings. Fractions are not checked (0.1 is not exact in any binary double, and senders know it).
 */
import { formatIssuePath } from './field-issues';

/** How many unsafe numbers an event's rejection names at most. */
const MAX_REPORTED = 10;

/**
 * The paths (`data.crm.id`, `data.items[2]`) of the numbers in `value` that were not carried
 * exactly, at most MAX_REPORTED of them, in document order; empty when every number is exact.
 * Iterative, so any nesting depth is safe to walk.
 */
export function inexactNumberPaths(value: unknown): string[] {
  const found: string[] = [];
  const pending: { value: unknown; path: PropertyKey[] }[] = [{ value, path: [] }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const current = next.value;
    if (typeof current === 'number') {
      if (!isExactlyCarried(current)) {
        found.push(formatIssuePath(next.path));
        if (found.length >= MAX_REPORTED) break;
      }
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    const entries = Array.isArray(current)
      ? current.map((item, index) => [index, item] as const)
      : Object.entries(current);
    // Pushed in reverse so that the walk (a stack) visits them in document order.
    for (let index = entries.length - 1; index >= 0; index--) {
      const [key, child] = entries[index] as readonly [PropertyKey, unknown];
      pending.push({ value: child, path: [...next.path, key] });
    }
  }
  return found;
}

/** A finite number that is not an integer at or beyond 2^53 in magnitude. */
function isExactlyCarried(value: number): boolean {
  if (!Number.isFinite(value)) return false;
  return !Number.isInteger(value) || Number.isSafeInteger(value);
}

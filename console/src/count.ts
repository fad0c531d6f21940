/**
 * A count with its noun in the right number: `count(1, 'attempt')` is "1 attempt", `count(2,
 * 'attempt')` "2 attempts", `count(3, 'delivery', 'deliveries')` "3 deliveries". Every count the
 * console shows goes through it, so none reads "1 attempts".
 */
export function count(value: number, singular: string, plural = `${singular}s`): string {
  return `${value} ${value === 1 ? singular : plural}`;
}

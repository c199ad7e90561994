/**
 * Whether `x` is an integer in [lo, hi]: the check every count, size and bit width read from a
 * caller or a file takes before it is used (codec.ts, postings.ts, checks.ts, …). One helper
 * rather than the same three comparisons at each place: the browser bundle is at its budget.
 */
export function integerIn(x: unknown, lo: number, hi: number): x is number {
  return Number.isInteger(x) && (x as number) >= lo && (x as number) <= hi
}

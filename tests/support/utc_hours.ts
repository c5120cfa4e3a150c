// Consecutive whole UTC hours as ISO strings: what an hourly schedule must fire on a DST day, where
// every real hour is one tick whatever the wall clock repeats or skips.

/** `count` instants one real hour apart, from `startIso` on, as `Date.toISOString()` writes them. */
export function consecutiveHours(startIso: string, count: number): string[] {
  const start = Date.parse(startIso);
  return Array.from({ length: count }, (_, i) => new Date(start + i * 3_600_000).toISOString());
}

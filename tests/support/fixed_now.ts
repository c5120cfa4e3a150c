// The instant end-to-end tests pin every command's clock to (SLUICE_NOW), so the days they
// generate, the partitions that exist and the counts the commands print are known in advance.

/** SLUICE_NOW for tests: noon UTC on 2026-11-30, so "yesterday" is 2026-11-29. */
export const FIXED_NOW = "2026-11-30T12:00:00Z";

/** `FIXED_NOW` as a Date, for the day arithmetic of a test. */
export const FIXED_NOW_DATE: Date = new Date(FIXED_NOW);

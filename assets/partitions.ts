// The first day of Sluice's event partitions, shared by bronze, silver and gold; SQL asset
// headers repeat it as a literal, and a test keeps them equal.
export const EVENT_DAYS_START = "2026-01-01";

// JSON for a jsonb parameter: batches travel as one JSON parameter, so no statement depends on a
// driver's array encoding. Bigint values (a row count from a driver) become numbers.
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => typeof v === "bigint" ? Number(v) : v);
}

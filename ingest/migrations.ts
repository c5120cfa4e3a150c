// The ingest wing's own schema, `ingest` (Kafka offsets and the segments they produced):
// registered by the wing, migrated by whatever opens the store for it.
import type { MigrationSet } from "../runtime/definitions/definitions.ts";

export const INGEST_MIGRATIONS: MigrationSet = {
  schema: "ingest",
  dir: new URL("./sql/", import.meta.url),
};

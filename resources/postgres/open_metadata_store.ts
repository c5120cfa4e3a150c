// Opens the metadata store the configuration asks for: a Postgres server when a database URL is
// given, else the embedded PGlite store; either way migrated and ready.
import { SqlMetadataStore } from "../../runtime/store/sql/sql_metadata_store.ts";
import type { SqlClient } from "../../runtime/sql_client.ts";
import type { EmbeddedLockOptions } from "./embedded_lock.ts";
import { openPgliteClient } from "./pglite_client.ts";
import { openPostgresClient } from "./postgres_client.ts";

export const DEFAULT_EMBEDDED_DIR = ".sluice/pg";

export interface OpenMetadataStoreOptions {
  /** A Postgres URL (DATABASE_URL); wins over `embeddedDir`. */
  readonly databaseUrl?: string;
  /** The PGlite data dir, or ":memory:"; `.sluice/pg` by default. */
  readonly embeddedDir?: string;
  readonly embeddedLock?: EmbeddedLockOptions;
}

export async function openMetadataStore(
  options: OpenMetadataStoreOptions = {},
): Promise<SqlMetadataStore> {
  const client = await openClient(options);
  const store = new SqlMetadataStore(client);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

function openClient(options: OpenMetadataStoreOptions): Promise<SqlClient> {
  if (options.databaseUrl) return openPostgresClient(options.databaseUrl);
  return openPgliteClient(options.embeddedDir ?? DEFAULT_EMBEDDED_DIR, {
    lock: options.embeddedLock,
  });
}

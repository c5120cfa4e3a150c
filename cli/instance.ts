// Opens what a command needs, from the configuration: the asset graph, the metadata store
// (PGlite or Postgres), the lake, the application's resources, and a logger.
import type { Config } from "../resources/config.ts";
import { openLake } from "../resources/lake/open_lake.ts";
import type { EmbeddedLockOptions } from "../resources/postgres/embedded_lock.ts";
import { openMetadataStore } from "../resources/postgres/open_metadata_store.ts";
import type { Definitions } from "../runtime/definitions/definitions.ts";
import { AssetGraph } from "../runtime/graph/asset_graph.ts";
import type { ListableLake } from "../runtime/definitions/lake.ts";
import { createLogger, type Logger, type LogSink, stderrSink } from "../runtime/logger.ts";
import { NO_RESOURCES, type Resources } from "../runtime/definitions/resources.ts";
import type { MetadataStore } from "../runtime/store/metadata_store.ts";
import type { SqlClient } from "../runtime/sql_client.ts";

export interface Instance {
  readonly config: Config;
  readonly definitions: Definitions;
  readonly graph: AssetGraph;
  readonly store: MetadataStore;
  /** The metadata database, which also holds the warehouse. */
  readonly database: SqlClient;
  readonly lake: ListableLake;
  readonly resources: Resources;
  readonly log: Logger;
  /** Where run logs are echoed besides the metadata store: the terminal (stderr). */
  readonly logSink: LogSink;
  close(): Promise<void>;
}

export interface InstanceOptions {
  /** How the embedded store's lock waits for another process (the daemon does not). */
  readonly embeddedLock?: EmbeddedLockOptions;
}

export async function openInstance(
  definitions: Definitions,
  config: Config,
  options: InstanceOptions = {},
): Promise<Instance> {
  // Building the graph first makes a bad definition fail before anything is opened.
  const graph = AssetGraph.build(definitions.assets);
  const logSink = stderrSink(config.logFormat);
  const log = createLogger([logSink], config.logLevel);
  const store = await openMetadataStore({
    databaseUrl: config.databaseUrl,
    embeddedDir: `${config.home}/pg`,
    embeddedLock: options.embeddedLock,
  });
  try {
    for (const set of definitions.migrations ?? []) await store.migrateSchema(set);
    const lake = await openLake(config);
    const opened = await definitions.resources?.({
      home: config.home,
      env: Deno.env.toObject(),
      database: store.database,
      lake,
    });
    return {
      config,
      definitions,
      graph,
      store,
      database: store.database,
      lake,
      resources: opened?.resources ?? NO_RESOURCES,
      log,
      logSink,
      async close() {
        await opened?.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

// Opens what a command needs, from the configuration: the asset graph, the metadata store
// (PGlite or Postgres), the lake, the application's resources, a logger, and the clock.
import type { Config } from "../resources/config.ts";
import { type Clock, shiftedClock, systemClock } from "../runtime/clock.ts";
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
  /** The command's one clock: every "now" it reads (see `commandClock`). */
  readonly clock: Clock;
  close(): Promise<void>;
}

export interface InstanceOptions {
  /** How the embedded store's lock waits for another process (the daemon does not). */
  readonly embeddedLock?: EmbeddedLockOptions;
  /** The command's clock; `commandClock(config)` when absent. */
  readonly clock?: Clock;
}

/**
 * The clock a command reads "now" from: the system's, or with SLUICE_NOW one that starts at that
 * instant and advances in real time, so leases, timeouts and heartbeats keep their lengths.
 */
export function commandClock(config: Config): Clock {
  return config.startAt === undefined ? systemClock : shiftedClock(config.startAt);
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
      clock: options.clock ?? commandClock(config),
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

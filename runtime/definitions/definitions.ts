// What an application hands the runtime: its assets and how to open the resources they use.
// The runtime never imports the application's assets; the entry point passes them in.
import type { Lake } from "./lake.ts";
import type { SqlClient } from "../sql_client.ts";
import type { AnyAsset } from "./asset.ts";
import type { Clock } from "../clock.ts";
import type { Logger } from "../logger.ts";
import type { Resources } from "./resources.ts";

export interface OpenResources {
  readonly resources: Resources;
  close(): Promise<void>;
}

export interface ResourceEnvironment {
  /** Where embedded state lives (`.sluice` by default). */
  readonly home: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * The metadata database (PGlite or DATABASE_URL). Sluice's warehouse lives in it, beside
   * schema `platform`, so a warehouse write can commit in the same transaction as its pointer.
   */
  readonly database: SqlClient;
  /** The lake, for resources that read files written outside a materialization. */
  readonly lake: Lake;
}

/** The migrations of one schema the application owns (never `platform`, the store's). */
export interface MigrationSet {
  readonly schema: string;
  /** A folder of `NNNN_name.sql` files. */
  readonly dir: URL;
}

export interface Definitions {
  readonly assets: readonly AnyAsset[];
  /** Schemas the application's assets write, migrated before any command uses them. */
  readonly migrations?: readonly MigrationSet[];
  /**
   * Trims the application's own tables as `vacuum` trims the store's: rows older than `cutoff`
   * (counted, not deleted, on a dry run); returns the count per table. `activeRuns` are the runs
   * still running, whose work in progress (a staged mart, say) must stay.
   */
  readonly trim?: (
    database: SqlClient,
    cutoff: Date,
    dryRun: boolean,
    activeRuns: ReadonlySet<string>,
  ) => Promise<Readonly<Record<string, number>>>;
  /** Opens the resources assets use; called once per command. */
  readonly resources?: (environment: ResourceEnvironment) => Promise<OpenResources>;
  /**
   * Runs before `materialize` plans, with the opened resources: the place for an application to
   * prepare its inputs (the embedded pipeline generates a default day when nothing has landed).
   */
  readonly beforeMaterialize?: (context: PrepareContext) => Promise<void>;
  /** What to run next, printed after `materialize` succeeds or finds nothing to do. */
  readonly nextSteps?: readonly string[];
}

export interface PrepareContext extends ResourceEnvironment {
  readonly resources: Resources;
  readonly log: Logger;
  /** The command's clock (SLUICE_NOW's or the system's): what "today" is. */
  readonly clock: Clock;
  /** Prints a line for the person at the terminal. */
  say(line: string): void;
}

export type DefinitionsLoader = () => Promise<Definitions>;

// The extension point for SQL assets: an engine (DuckDB, Postgres) materializes one SQL file, and
// the loader hands it the file already parsed into what it needs.
import type { AssetKey } from "../definitions/asset_key.ts";
import type { MaterializeContext, MaterializeResult } from "../definitions/context.ts";
import type { CheckContext } from "../definitions/check.ts";
import type { TestSession } from "./data_tests.ts";
import type { MappedSql } from "./mapped_sql.ts";
import type { RefSpan } from "./ref_parser.ts";

/** One SQL asset file, as its engine sees it. */
export interface SqlAssetSource {
  readonly key: AssetKey;
  /** The file it came from, for messages. */
  readonly path: string;
  /** The SQL after the header comment, with `ref()` calls still in it. */
  readonly body: string;
  /** The `ref()` calls in `body`; offsets are into `body`. */
  readonly refs: readonly RefSpan[];
  /** The header fields the runtime does not own (materialized, unique_key, ...). */
  readonly config: Readonly<Record<string, unknown>>;
  /**
   * A hash of the header's data tests: an engine that merges into an existing table records it
   * there, so a later merge knows whether the rows it keeps passed these same tests.
   */
  readonly testsVersion: string;
  /** `body` with each `ref()` replaced by the relation `relationFor` names. */
  render(relationFor: (key: AssetKey) => string): string;
  /**
   * The query of `body` as render gives it, without trailing comments and semicolons, mapped
   * back to `body` so an engine's error position finds its line (see locate).
   */
  query(relationFor: (key: AssetKey) => string): MappedSql;
  /** The line and column in the file of an offset into `body` (both from 1). */
  locate(bodyOffset: number): SqlFilePosition;
}

export interface SqlFilePosition {
  readonly line: number;
  readonly column: number;
}

export interface SqlEngine {
  readonly name: string;
  /** Runs the SQL of `source` for `ctx.partition`. */
  materialize(ctx: MaterializeContext, source: SqlAssetSource): Promise<MaterializeResult>;
  /** A session on the staged, uncommitted output, for the data tests of the header. */
  openTestSession?(ctx: CheckContext, source: SqlAssetSource): Promise<TestSession>;
  /**
   * The asset whose output `ref(key)` reads in this engine's database. Postgres reads
   * `gold.revenue_daily` from its published warehouse copy, so the edge goes to the publisher.
   */
  resolveRef?(key: AssetKey): AssetKey;
  /** The SQL as this engine would run it, for people reading it (`assets --sql`). */
  preview?(source: SqlAssetSource): string;
  /**
   * Hands the engine every source loaded for it, before anything runs, so it can reason across
   * them: DuckDB renders a ref to an upstream with no file as that upstream's own query over
   * empty inputs (no rows, its columns).
   */
  register?(source: SqlAssetSource): void;
}

// The store's answers for vacuum: trimming metadata past the retention window, and which lake
// locations are still referenced.
export type TrimmedTable =
  | "materializations"
  | "run_logs"
  | "runs"
  | "asset_observations"
  | "check_results";

export interface MaintenanceStore {
  /**
   * Deletes run logs, finished runs nothing points at, superseded materializations,
   * observations and check results older than `cutoff`, keeping whatever is current; with
   * `dryRun` counts the same rows and changes nothing.
   */
  trim(cutoff: Date, dryRun: boolean): Promise<Readonly<Record<TrimmedTable, number>>>;
  /**
   * Every lake location a current pointer or a materialization committed since `cutoff`
   * references (each part of a part set), without a trailing slash.
   */
  referencedLocations(cutoff: Date): Promise<ReadonlySet<string>>;
  /**
   * When the oldest run that holds a lease (live or expired, not yet released) started, or
   * undefined when none does: its step may still commit a location it wrote since then.
   */
  inFlightSince(): Promise<Date | undefined>;
}

// Where materialized files live. Each materialization gets a fresh location; it becomes current
// only when the metadata commit points at it, so a crash never exposes half-written files.
import type { AssetKey } from "./asset_key.ts";
import type { PartitionKey } from "../partitions/partition_key.ts";
import type { DataVersion } from "./version.ts";
import type { PartitionRef } from "./partition_ref.ts";

/** A location in the lake: its durable URI and a local directory holding its files. */
export interface LakeLocation {
  readonly uri: string;
  readonly dir: string;
}

export interface SealedLocation {
  readonly dataVersion: DataVersion;
  readonly bytes: number;
  readonly files: number;
}

export interface Lake {
  /** A new, empty location for one materialization attempt of `key` / `partition`. */
  allocate(
    key: AssetKey,
    partition: PartitionKey,
    materializationId: string,
  ): Promise<LakeLocation>;
  /** Makes the staged files durable at their URI and returns their content digest. */
  seal(location: LakeLocation): Promise<SealedLocation>;
  /** A local directory with the files of a sealed location, for readers such as DuckDB. */
  open(uri: string): Promise<LakeLocation>;
  /** Deletes a location that no pointer references any more. */
  remove(uri: string): Promise<void>;
  /**
   * Optional: readies the places of the partitions a run is about to materialize all at once
   * (a filesystem lake claims their directories with one round of fsyncs instead of one per
   * partition). Best effort: what it cannot ready, allocate() reports.
   */
  prepare?(partitions: readonly PartitionRef[]): Promise<void>;
}

/** A location found in the lake, with when it was last written (for vacuum's grace period). */
export interface LocationInfo {
  readonly uri: string;
  readonly modifiedAt: Date;
}

/** A lake that can list its locations, which `sluice vacuum` needs. */
export interface ListableLake extends Lake {
  /** Every materialization location, sealed or not, in no set order. */
  listLocations(): AsyncIterable<LocationInfo>;
}

// Current pointers as platform.pointers_of() (migration 0008) returns them, one JSON object per
// partition, read back into CurrentPointer values keyed by partitionRefKey().
import type { AssetKey } from "../../definitions/asset_key.ts";
import { partitionRefKey } from "../../definitions/partition_ref.ts";
import type { CodeVersion, DataVersion, InputSignature } from "../../definitions/version.ts";
import type { PartitionKey } from "../../partitions/partition_key.ts";
import type { CurrentPointer, MaterializationId } from "../partition_store.ts";

export interface PointerJson {
  k: string;
  p: string;
  m: string | null;
  v: string;
  c: string | null;
  s: string | null;
  l: string | null;
  r: number | null;
  at: number;
}

export function toPointers(rows: readonly PointerJson[]): Map<string, CurrentPointer> {
  const pointers = new Map<string, CurrentPointer>();
  for (const p of rows) {
    pointers.set(partitionRefKey(p.k as AssetKey, p.p as PartitionKey), {
      materializationId: (p.m ?? undefined) as MaterializationId | undefined,
      dataVersion: p.v as DataVersion,
      codeVersion: (p.c ?? undefined) as CodeVersion | undefined,
      inputSignature: (p.s ?? undefined) as InputSignature | undefined,
      location: p.l ?? undefined,
      rows: p.r ?? undefined,
      at: new Date(Number(p.at)),
    });
  }
  return pointers;
}

/** The refs argument of pointers_of() and begin_step(): `[[asset key, partition key], ...]`. */
export function refsJson(refs: readonly { assetKey: string; partition: string }[]): string {
  return JSON.stringify(refs.map((ref) => [ref.assetKey, ref.partition]));
}

/** Drivers hand jsonb back parsed; one configured otherwise hands back its text. */
export function parsedJson<T>(value: T | string): T {
  return typeof value === "string" ? JSON.parse(value) : value;
}

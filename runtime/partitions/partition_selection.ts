// The `--partition` flag: one key or an inclusive range `a..b`, and the partitions it means for
// one asset's partitioning (unpartitioned assets ignore it).
import { RequestError } from "../errors.ts";
import type { PartitionsDefinition } from "./definition.ts";
import type { PartitionKey } from "./partition_key.ts";
import { partitionKey, UNPARTITIONED } from "./partition_key.ts";

export type PartitionSelection =
  | { readonly kind: "key"; readonly key: PartitionKey }
  | { readonly kind: "range"; readonly from: PartitionKey; readonly to: PartitionKey };

const KEY_PATTERN = /^[A-Za-z0-9_.-]+$/;
const DATE_SHAPE = /^\d{4}-\d{2}-\d{2}$/;

/** Parses `2026-11-01`, `eu` or `2026-11-01..2026-11-07`. */
export function parsePartitionSelection(text: string): PartitionSelection {
  const value = text.trim();
  const parts = value.split("..");
  if (parts.length > 2 || parts.some((part) => !KEY_PATTERN.test(part.trim()))) {
    throw new RequestError(
      `Cannot parse partition '${text}': expected one key like '2026-11-01' or a range like '2026-11-01..2026-11-07'`,
    );
  }
  if (parts.length === 1) return Object.freeze({ kind: "key", key: partitionKey(value) });
  return Object.freeze({
    kind: "range",
    from: partitionKey(parts[0].trim()),
    to: partitionKey(parts[1].trim()),
  });
}

/**
 * The partitions of an asset that `selection` asks for at `now`: every key when there is no
 * selection, and the single partition of an unpartitioned asset whatever the selection. `asset`
 * names the asset in errors.
 */
export function partitionsToRun(
  definition: PartitionsDefinition,
  selection: PartitionSelection | undefined,
  now: Date,
  asset?: string,
): readonly PartitionKey[] {
  if (definition.kind === "unpartitioned") return [UNPARTITIONED];
  if (selection === undefined) return definition.keys(now);
  const [from, to] = bounds(selection);
  for (const bound of new Set([from, to])) requireApplies(definition, bound, now, asset);
  try {
    return definition.range(from, to, now);
  } catch (error) {
    if (error instanceof RequestError && asset !== undefined) {
      throw new RequestError(`${error.message} (asset '${asset}')`);
    }
    throw error;
  }
}

/** `all partitions`, `partition 2026-11-01` or `partitions 2026-11-01..2026-11-07`. */
export function describePartitionSelection(selection: PartitionSelection | undefined): string {
  if (selection === undefined) return "all partitions";
  if (selection.kind === "key") return `partition ${selection.key}`;
  return `partitions ${selection.from}..${selection.to}`;
}

function bounds(selection: PartitionSelection): [PartitionKey, PartitionKey] {
  return selection.kind === "key" ? [selection.key, selection.key] : [selection.from, selection.to];
}

// A date given to a static asset, or a name given to a daily one, is a mistake in the selection
// as a whole, not a bad bound: say which asset it does not fit.
function requireApplies(
  definition: PartitionsDefinition,
  key: PartitionKey,
  now: Date,
  asset: string | undefined,
): void {
  const fits = definition.kind === "daily" ? DATE_SHAPE.test(key) : definition.contains(key, now);
  if (fits) return;
  const subject = asset === undefined ? "this asset" : `asset '${asset}'`;
  throw new RequestError(
    `Cannot select partition '${key}' of ${subject}: it does not fit its partitions, ${definition.describe()}`,
  );
}

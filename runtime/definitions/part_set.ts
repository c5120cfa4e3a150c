// A pointer names one lake location, or a part set: several sealed locations that together are
// one partition's data, such as a bronze day that Kafka batches append to. Appending a part, or
// replacing parts by their compaction, is a new pointer like any other materialization.
import { SluiceError } from "../errors.ts";

const PREFIX = "parts:";

/** The pointer location of a part set, parts in the order readers should see them. */
export function partSetLocation(uris: readonly string[]): string {
  return PREFIX + JSON.stringify(uris);
}

/** The locations a pointer names: the parts of a part set, else the location itself. */
export function locationParts(location: string): string[] {
  if (!location.startsWith(PREFIX)) return [location];
  const parts: unknown = JSON.parse(location.slice(PREFIX.length));
  if (!Array.isArray(parts) || !parts.every((part) => typeof part === "string")) {
    throw new SluiceError(
      `Pointer location '${location.slice(0, 80)}…' is not a list of part URIs: the metadata ` +
        "store holds a value Sluice did not write; restore it from a backup",
    );
  }
  return parts;
}

/** Whether a pointer location is a part set rather than one location. */
export function isPartSet(location: string): boolean {
  return location.startsWith(PREFIX);
}

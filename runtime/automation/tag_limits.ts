// Tag limits as people write them (`warehouse:1,pool=gpu:2`): at most N running requests that
// carry the tag (any value), or the tag with one value, across every daemon.
import { ConfigError } from "../errors.ts";
import type { TagLimit } from "../store/metadata_store.ts";

const ENTRY = /^([a-z][a-z0-9_.-]*)(?:=([^:,=]+))?:(\d+)$/i;

/** Parses `key:N` and `key=value:N` entries joined by commas; `variable` names the setting. */
export function parseTagLimits(text: string, variable: string): TagLimit[] {
  if (text.trim() === "") return [];
  return text.split(",").map((raw) => {
    const entry = raw.trim();
    const match = ENTRY.exec(entry);
    if (!match || Number(match[3]) < 1) {
      throw new ConfigError(
        `Invalid configuration: ${variable}=${JSON.stringify(text)}: cannot read '${entry}': ` +
          "expected entries like 'warehouse:1' or 'pool=gpu:2' (a tag, optionally =value, then " +
          ":limit of at least 1) joined by commas",
        variable,
      );
    }
    return match[2] === undefined
      ? { key: match[1], limit: Number(match[3]) }
      : { key: match[1], value: match[2], limit: Number(match[3]) };
  });
}

/** `warehouse:1, pool=gpu:2`. */
export function describeTagLimits(limits: readonly TagLimit[]): string {
  if (limits.length === 0) return "none";
  return limits.map((l) => `${l.key}${l.value === undefined ? "" : `=${l.value}`}:${l.limit}`)
    .join(", ");
}

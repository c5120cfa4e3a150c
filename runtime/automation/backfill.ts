// A backfill over a range of days, split into requests of `chunkDays` days each, so several
// daemons share it; each chunk carries the backfill's id in a tag and a run key, so enqueueing
// the same backfill twice adds nothing.
import { RequestError } from "../errors.ts";
import { isoDateFromEpochDay, parseIsoDate } from "../partitions/calendar.ts";
import { parsePartitionSelection } from "../partitions/partition_selection.ts";
import type { NewRunRequest } from "../store/metadata_store.ts";

/** Chunks a request whose partitions are a date range; any other request is returned as is. */
export function splitBackfill(
  request: NewRunRequest,
  chunkDays: number,
  backfillId: string,
): NewRunRequest[] {
  if (!Number.isInteger(chunkDays) || chunkDays < 1) {
    throw new RequestError(
      `Cannot split a backfill into chunks of ${chunkDays} days: expected 1 or more`,
    );
  }
  if (request.partitions === undefined) return [request];
  const selection = parsePartitionSelection(request.partitions);
  if (selection.kind !== "range") return [request];
  const first = parseIsoDate(selection.from);
  const last = parseIsoDate(selection.to);
  if (first === undefined || last === undefined) return [request];
  if (last < first) {
    throw new RequestError(
      `Cannot select partitions ${selection.from}..${selection.to}: the range ends before it starts`,
    );
  }
  const chunks: NewRunRequest[] = [];
  for (let day = first; day <= last; day += chunkDays) {
    const from = isoDateFromEpochDay(day);
    const to = isoDateFromEpochDay(Math.min(last, day + chunkDays - 1));
    chunks.push({
      ...request,
      partitions: from === to ? from : `${from}..${to}`,
      tags: { ...request.tags, backfill: backfillId },
      runKey: `backfill:${backfillId}:${from}`,
    });
  }
  return chunks;
}

// Bronze's CPU-heavy half, in a worker so two topics validate on two cores: reads one day's
// lines from landing batches, checks each against its topic's contract, and streams accepted
// rows (delimited for DuckDB) and rejected ones (NDJSON, any bytes) to staging files, in
// offset order and without lines landed twice, so DuckDB only streams them into Parquet.
/// <reference lib="deno.worker" />
import type { Topic } from "../../contracts/events/mod.ts";
import { checkLine } from "../line_check.ts";
import type { IngestReply, IngestRequest } from "./ingest_messages.ts";

const EVENT_DAY = /"event_time"\s*:\s*"(\d{4}-\d{2}-\d{2})/;
const FLUSH_CHARS = 1 << 22;
const encoder = new TextEncoder();

/** Buffered appends to one staging file. */
class Staging {
  #parts: string[] = [];
  #chars = 0;
  constructor(private readonly file: Deno.FsFile) {}
  push(line: string): void {
    this.#parts.push(line);
    this.#chars += line.length;
    if (this.#chars >= FLUSH_CHARS) this.flush();
  }
  flush(): void {
    if (this.#parts.length === 0) return;
    const bytes = encoder.encode(this.#parts.join(""));
    for (let written = 0; written < bytes.length;) {
      written += this.file.writeSync(bytes.subarray(written));
    }
    this.#parts = [];
    this.#chars = 0;
  }
}

function ingest(request: IngestRequest): IngestReply {
  const validFile = Deno.openSync(request.validPath, { write: true, create: true, truncate: true });
  const rejectedFile = Deno.openSync(request.rejectedPath, {
    write: true,
    create: true,
    truncate: true,
  });
  const valid = new Staging(validFile);
  const rejected = new Staging(rejectedFile);
  const reply: IngestReply = { valid: 0, rejected: 0, rejectedByKind: {}, duplicates: 0 };
  // Batches come sorted by partition and start offset, so an offset at or below the last one
  // seen in its partition is a line landed twice (an overlapping or copied batch): skip it.
  const lastOffset = new Map<number, number>();
  try {
    for (const batch of request.batches) {
      const text = Deno.readTextFileSync(batch.file);
      const days = Object.keys(batch.eventDates).filter((d) => batch.eventDates[d] > 0).sort();
      const onlyDay = days.length === 1 ? days[0] : undefined;
      let lineNo = 0;
      let start = 0;
      while (start < text.length) {
        let end = text.indexOf("\n", start);
        if (end === -1) end = text.length;
        const line = text.slice(start, end);
        start = end + 1;
        const offset = batch.startOffset + lineNo++;
        const day = onlyDay ?? EVENT_DAY.exec(line)?.[1] ?? days[0];
        if (day !== request.day) continue;
        if (offset <= (lastOffset.get(batch.partition) ?? -1)) {
          reply.duplicates++;
          continue;
        }
        lastOffset.set(batch.partition, offset);
        const result = checkLine(request.topic as Topic, line);
        if (result.ok) {
          valid.push(`${batch.partition}\x1f${offset}\x1f${batch.landedAtMs}\x1f${line}\n`);
          reply.valid++;
        } else {
          rejected.push(
            JSON.stringify({
              partition: batch.partition,
              offset,
              ingested_ms: batch.landedAtMs,
              kind: result.kind,
              reason: result.reason,
              payload: line,
            }) + "\n",
          );
          reply.rejected++;
          reply.rejectedByKind[result.kind] = (reply.rejectedByKind[result.kind] ?? 0) + 1;
        }
      }
      if (lineNo !== batch.count) {
        throw new Error(
          `Landing file ${batch.file} has ${lineNo} lines but its manifest says ${batch.count}; ` +
            `restore the file or remove it with its manifest`,
        );
      }
    }
    valid.flush();
    rejected.flush();
  } finally {
    validFile.close();
    rejectedFile.close();
  }
  return reply;
}

self.onmessage = (event: MessageEvent<IngestRequest>) => {
  try {
    self.postMessage({ ok: true, reply: ingest(event.data) });
  } catch (error) {
    self.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) });
  }
};

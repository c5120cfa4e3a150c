// Turns one topic's landed lines of one day into bronze files: a worker validates them, then
// DuckDB writes `data.parquet` (accepted rows, raw payload byte for byte) and
// `rejected.parquet` (quarantine with reasons), both in offset order without duplicates.
import { join } from "node:path";
import { SluiceError } from "../../runtime/errors.ts";
import { type DuckDb, type DuckDbOptions, openDuckDb } from "../../resources/duckdb/duckdb.ts";
import { emptyRelation } from "../../resources/duckdb/duckdb_sql_engine.ts";
import type { IngestMessage, IngestReply, IngestRequest } from "./ingest_messages.ts";
import type { LandingBatch } from "../../resources/landing/landing_zone.ts";

export const BRONZE_FILE = "data.parquet";
export const REJECTED_FILE = "rejected.parquet";

/** Bronze's columns, the same for every topic: the raw payload plus where it came from. */
export const BRONZE_COLUMNS =
  "_topic VARCHAR, _partition INTEGER, _offset BIGINT, _ingested_at TIMESTAMPTZ, " +
  "event_date DATE, payload VARCHAR";

/** Quarantine's columns: what was rejected, from where, and why. */
export const REJECTED_COLUMNS =
  'topic VARCHAR, partition INTEGER, "offset" BIGINT, event_date DATE, kind VARCHAR, ' +
  "reason VARCHAR, payload VARCHAR, ingested_at TIMESTAMPTZ";

export interface DayIngestRequest {
  readonly topic: string;
  readonly day: string;
  readonly batches: readonly LandingBatch[];
  readonly outputDir: string;
  readonly signal?: AbortSignal;
  /** The database that writes the Parquet files (memory limit, threads). */
  readonly duckdb?: DuckDbOptions;
}

export interface DayIngestResult extends IngestReply {
  /** Rows in data.parquet. */
  readonly rows: number;
  readonly rejectedRows: number;
}

export class IngestError extends SluiceError {
  override name = "IngestError";
}

export async function ingestDay(request: DayIngestRequest): Promise<DayIngestResult> {
  const staging = await Deno.makeTempDir({ prefix: "sluice-bronze-" });
  try {
    const validPath = join(staging, "valid.txt");
    const rejectedPath = join(staging, "rejected.ndjson");
    const reply = await validateInWorker({
      topic: request.topic,
      day: request.day,
      batches: request.batches.map((b) => ({
        file: b.file,
        partition: b.partition,
        startOffset: b.startOffset,
        count: b.count,
        eventDates: b.eventDates,
        landedAtMs: b.landedAtMs,
      })),
      validPath,
      rejectedPath,
    }, request.signal);
    request.signal?.throwIfAborted();
    // One thread by default: this write is mostly serial, topics run side by side as steps,
    // and a second thread holds a second set of buffers (bronze.geo_events: 512 MB -> 736 MB).
    const db = await openDuckDb({ threads: 1, ...request.duckdb });
    try {
      // Insertion order is what makes the Parquet bytes, and so the data version, repeatable.
      await db.run("SET preserve_insertion_order = true");
      const rows = await writeAccepted(db, request, validPath, reply.valid);
      const rejectedRows = await writeRejected(db, request, rejectedPath, reply.rejected);
      return { ...reply, rows, rejectedRows };
    } finally {
      db.close();
    }
  } finally {
    await Deno.remove(staging, { recursive: true });
  }
}

function validateInWorker(request: IngestRequest, signal?: AbortSignal): Promise<IngestReply> {
  const worker = new Worker(new URL("./ingest_worker.ts", import.meta.url), { type: "module" });
  return new Promise<IngestReply>((resolve, reject) => {
    const onAbort = () => {
      worker.terminate();
      reject(signal!.reason ?? new IngestError("Ingestion cancelled"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const done = () => {
      signal?.removeEventListener("abort", onAbort);
      worker.terminate();
    };
    worker.onmessage = (event: MessageEvent<IngestMessage>) => {
      done();
      if (event.data.ok) resolve(event.data.reply);
      else {reject(
          new IngestError(`Cannot ingest ${request.topic} ${request.day}: ${event.data.error}`),
        );}
    };
    worker.onerror = (event) => {
      event.preventDefault();
      done();
      reject(
        new IngestError(
          `Ingest worker for ${request.topic} ${request.day} failed: ${event.message}`,
        ),
      );
    };
    worker.postMessage(request);
  });
}

/** Where one topic-day's bronze files go. */
export interface BronzeTarget {
  readonly topic: string;
  readonly day: string;
  readonly outputDir: string;
}

/**
 * data.parquet from a staging file of `partition \x1f offset \x1f landed_ms \x1f payload`
 * lines (landing and Kafka ingestion write the same).
 */
export async function writeAccepted(
  db: DuckDb,
  request: BronzeTarget,
  validPath: string,
  count: number,
): Promise<number> {
  const file = join(request.outputDir, BRONZE_FILE);
  if (count === 0) {
    return await db.copyToParquet(`SELECT * FROM ${emptyRelation(BRONZE_COLUMNS)}`, file);
  }
  return await db.copyToParquet(
    `SELECT ${sqlString(request.topic)} AS _topic, _partition, _offset,
       make_timestamptz(landed_ms * 1000) AS _ingested_at,
       DATE ${sqlString(request.day)} AS event_date, payload
     FROM read_csv(${sqlString(validPath)}, delim = '\x1f', quote = '', escape = '',
       header = false, auto_detect = false, strict_mode = false,
       columns = {'_partition': 'INTEGER', '_offset': 'BIGINT', 'landed_ms': 'BIGINT',
                  'payload': 'VARCHAR'})
`,
    file,
  );
}

/** rejected.parquet from a staging NDJSON file of rejected records with their reasons. */
export async function writeRejected(
  db: DuckDb,
  request: BronzeTarget,
  rejectedPath: string,
  count: number,
): Promise<number> {
  const file = join(request.outputDir, REJECTED_FILE);
  if (count === 0) {
    return await db.copyToParquet(`SELECT * FROM ${emptyRelation(REJECTED_COLUMNS)}`, file);
  }
  return await db.copyToParquet(
    `SELECT ${sqlString(request.topic)} AS topic, partition, "offset",
       DATE ${sqlString(request.day)} AS event_date, kind, reason, payload,
       make_timestamptz(ingested_ms * 1000) AS ingested_at
     FROM read_json(${sqlString(rejectedPath)}, format = 'newline_delimited',
       columns = {'partition': 'INTEGER', 'offset': 'BIGINT', 'ingested_ms': 'BIGINT',
                  'kind': 'VARCHAR', 'reason': 'VARCHAR', 'payload': 'VARCHAR'})
`,
    file,
  );
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

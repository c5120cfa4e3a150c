// What the bronze ingest worker is asked and answers: plain data, as worker messages must be.

export interface IngestBatch {
  readonly file: string;
  readonly partition: number;
  readonly startOffset: number;
  readonly count: number;
  readonly eventDates: Readonly<Record<string, number>>;
  readonly landedAtMs: number;
}

export interface IngestRequest {
  readonly topic: string;
  readonly day: string;
  readonly batches: readonly IngestBatch[];
  /** Accepted rows: partition, offset, landed-at ms and the raw line, split by U+001F. */
  readonly validPath: string;
  /** Rejected rows as NDJSON: their payload may hold any character. */
  readonly rejectedPath: string;
}

export interface IngestReply {
  valid: number;
  rejected: number;
  rejectedByKind: Record<string, number>;
  /** Lines skipped because their offset was already ingested from another batch. */
  duplicates: number;
}

export type IngestMessage =
  | { readonly ok: true; readonly reply: IngestReply }
  | { readonly ok: false; readonly error: string };

// Answers POST /v1/predict/batch from its body text: parse, read every row into one
// Float32Array, prove the body repeats no key, one onnxruntime run, then the response as one
// string. A pure function of the text and the model, so a worker can run it as well.
import type { FieldError } from "./api_schemas.ts";
import { batchRows, readBatch } from "./batch_request.ts";
import { batchResponseJson } from "./batch_response.ts";
import { colonsIn, colonsMatch, countKeys, scanDuplicates } from "./duplicate_keys.ts";
import { decodeJsonText, parseJson } from "./json_body.ts";
import type { BatchAnswer, PooledAnswer } from "./batch_messages.ts";
import type { Scorer } from "./onnx_scorer.ts";
import type { RowReader } from "./row_reader.ts";

/** What answering a batch needs from the model that scores it. */
export interface BatchModel {
  readonly version: string;
  readonly threshold: number;
  readonly scorer: Pick<Scorer, "scoreRows" | "pooled">;
}

/**
 * Answers a batch body's bytes: on the model's batch pool when it has one (another core does
 * the work), else here. `elapsedMs` is the request's time so far, unrounded.
 */
export async function answerBatchBytes(
  bytes: Uint8Array,
  reader: RowReader,
  model: BatchModel,
  elapsedMs: () => number,
): Promise<BatchAnswer | PooledAnswer> {
  const pooled = model.scorer.pooled;
  if (pooled !== undefined) {
    return await pooled.answer(bytes, model.version, model.threshold, elapsedMs());
  }
  return await answerBatch(decodeJsonText(bytes), reader, model, () => roundMs(elapsedMs()));
}

function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Keys of a body `{"rows": [...]}` outside its rows (batchRows refuses any other). */
const ENVELOPE_KEYS = 1;

/**
 * Scores a batch body. `latencyMs` is read once, after onnxruntime's run, for every
 * `latency_ms` of the answer. Throws ApiError for a body that fails as a whole (400, 413, 422).
 */
export async function answerBatch(
  text: string,
  reader: RowReader,
  model: BatchModel,
  latencyMs: () => number,
): Promise<BatchAnswer> {
  const value = parseJson(text);
  const rows = batchRows(value);
  const width = reader.width;
  let input: Float32Array = new Float32Array(rows.length * width);
  let scored: number[] = [];
  let transactionIds: (string | undefined)[] = [];
  let rejected = new Map<number, readonly FieldError[]>();
  // The parsed value's keys and the ':' inside its strings, counted as the rows are read: a
  // valid row has exactly its features and maybe transaction_id, so only the others are walked.
  let expectedColons = ENVELOPE_KEYS;
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index];
    const read = reader.read(row, input, scored.length * width);
    if (read.ok) {
      scored.push(index);
      transactionIds.push(read.transactionId);
      // A valid row holds the features and transaction_id when sent, nothing else.
      expectedColons += width;
      if (read.transactionId !== undefined) {
        expectedColons += 1 + colonsIn(read.transactionId);
      }
    } else {
      rejected.set(index, read.errors);
      const count = countKeys(row);
      expectedColons += count.keys + count.stringColons;
    }
  }
  if (!colonsMatch(text, expectedColons)) {
    // Some object repeats a key (or the count cannot tell): name the repeats and read the rows
    // again, each row with a repeated key rejected for that alone.
    const batch = readBatch(value, scanDuplicates(text), reader);
    input = batch.input;
    scored = [...batch.scored];
    transactionIds = [...batch.transactionIds];
    rejected = new Map(batch.rejected);
  }
  const scores = scored.length > 0 ? await model.scorer.scoreRows(input, scored.length) : undefined;
  const latency = latencyMs();
  const probabilities = new Float64Array(scored.length);
  const body = batchResponseJson({
    rows,
    scored,
    transactionIds,
    rejected,
    scores,
    threshold: model.threshold,
    version: model.version,
    latencyMs: latency,
    names: reader.names,
    probabilities,
  });
  return { body, rows: rows.length, scored: scored.length, rejected: rejected.size, probabilities };
}

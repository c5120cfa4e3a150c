// The worker of batch_pool.ts: holds a session per open model and answers batch bodies with
// answerBatch, the same function the event loop runs without a pool, so both answer alike.
import { ApiError } from "./api_error.ts";
import type { PoolReply, PoolRequest } from "./batch_messages.ts";
import { answerBatch } from "./batch_scoring.ts";
import { decodeJsonText } from "./json_body.ts";
import { OnnxScorer } from "./onnx_scorer.ts";
import { RowReader } from "./row_reader.ts";

const scope = self as unknown as {
  onmessage: (event: MessageEvent<PoolRequest>) => void;
  postMessage(message: PoolReply, transfer?: Transferable[]): void;
};
const reader = new RowReader();
const sessions = new Map<number, OnnxScorer>();
const encoder = new TextEncoder();

scope.onmessage = (event) => {
  const request = event.data;
  handle(request).then(
    ({ reply, transfer }) => scope.postMessage(reply, transfer),
    (error) => scope.postMessage(failure(request.job, error)),
  );
};

async function handle(
  request: PoolRequest,
): Promise<{ reply: PoolReply; transfer: Transferable[] }> {
  if (request.kind === "open") {
    const scorer = await OnnxScorer.fromGraph(request.graph, request.features);
    // Warm the session before the model is served.
    await scorer.scoreRows(new Float32Array(request.features), 1);
    sessions.set(request.model, scorer);
    return { reply: { kind: "done", job: request.job }, transfer: [] };
  }
  if (request.kind === "close") {
    const scorer = sessions.get(request.model);
    sessions.delete(request.model);
    await scorer?.release();
    return { reply: { kind: "done", job: request.job }, transfer: [] };
  }
  const received = performance.now();
  const scorer = sessions.get(request.model);
  if (scorer === undefined) {
    throw new Error(`Cannot answer a batch as model ${request.model} is not open on this worker`);
  }
  const answer = await answerBatch(
    decodeJsonText(request.bytes),
    reader,
    { version: request.version, threshold: request.threshold, scorer },
    () => Math.round((request.elapsedMs + performance.now() - received) * 1000) / 1000,
  );
  const body = encoder.encode(answer.body);
  return {
    reply: {
      kind: "answer",
      job: request.job,
      body,
      rows: answer.rows,
      scored: answer.scored,
      rejected: answer.rejected,
      probabilities: answer.probabilities,
    },
    transfer: [body.buffer, answer.probabilities.buffer as ArrayBuffer],
  };
}

function failure(job: number, error: unknown): PoolReply {
  if (error instanceof ApiError) {
    return {
      kind: "api_error",
      job,
      status: error.status,
      code: error.code,
      message: error.message,
      detail: error.detail,
    };
  }
  return { kind: "failed", job, message: error instanceof Error ? error.message : String(error) };
}

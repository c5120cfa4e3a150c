// Training off the caller's thread: `trainInWorker` moves the training set into a Worker that
// runs trainGbdt (with its own histogram helper), streams each round's log back and resolves
// with the result, so an asset's process keeps serving its event loop while a model trains.
import type { GbdtParams } from "./gbdt_params.ts";
import type { RoundLog, RoundLogger, TrainResult } from "./gbdt_trainer.ts";
import { ModelInputError } from "./model_errors.ts";
import type { TrainingData } from "./training_data.ts";
import type { TrainReply, TrainRequest } from "./train_worker_entry.ts";

export interface TrainInWorkerOptions {
  /**
   * Transfer the typed arrays' buffers to the worker (no copy; the caller's arrays are
   * detached afterwards). False copies them instead. Default true.
   */
  readonly transfer?: boolean;
}

/** Trains in a new Worker; `onLog` receives every round as it finishes. */
export function trainInWorker(
  train: TrainingData,
  validation: TrainingData | undefined,
  params: Partial<GbdtParams> = {},
  onLog?: RoundLogger,
  options: TrainInWorkerOptions = {},
): Promise<TrainResult> {
  const transfer = options.transfer ?? true;
  const transferList: ArrayBuffer[] = [];
  const request: TrainRequest = {
    train: portable(train, transfer, transferList),
    validation: validation === undefined ? undefined : portable(validation, transfer, transferList),
    params,
  };
  const worker = new Worker(new URL("./train_worker_entry.ts", import.meta.url), {
    type: "module",
  });
  return new Promise<TrainResult>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<TrainReply>) => {
      const reply = event.data;
      if (reply.kind === "log") {
        onLog?.(reply.log as RoundLog);
        return;
      }
      worker.terminate();
      if (reply.kind === "done") resolve(reply.result);
      else {
        reject(
          reply.name === "ModelInputError"
            ? new ModelInputError(reply.message)
            : new Error(`Training failed in its worker: ${reply.message}`),
        );
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      worker.terminate();
      reject(new Error(`Training failed in its worker: ${event.message}`));
    };
    worker.postMessage(request, transferList);
  });
}

/** The training set with each array alone in its buffer, listed for transfer or copied. */
function portable(data: TrainingData, transfer: boolean, list: ArrayBuffer[]): TrainingData {
  const own = <T extends Float32Array | Uint8Array>(array: T): T => {
    const whole = array.buffer instanceof ArrayBuffer && array.byteOffset === 0 &&
      array.byteLength === array.buffer.byteLength;
    // A view of a larger or shared buffer is copied, so only its own bytes travel.
    const alone = transfer && whole ? array : (array.slice() as T);
    list.push(alone.buffer as ArrayBuffer);
    return alone;
  };
  return {
    rows: data.rows,
    featureCount: data.featureCount,
    features: own(data.features),
    labels: own(data.labels),
    ...(data.weights === undefined ? {} : { weights: own(data.weights) }),
  };
}

// Training off the caller's thread: `trainInWorker` moves the training set into a Worker that
// runs trainGbdt, starts its histogram helpers beside it (linked to it by MessagePorts), streams
// each round's log back and resolves with the result, so an asset's process keeps serving its
// event loop while a model trains.
import type { HelperPort } from "./boosting_thread_worker.ts";
import { type GbdtParams, resolveGbdtParams } from "./gbdt_params.ts";
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
  const helpers = startHelpers(params);
  const request: TrainRequest = {
    train: portable(train, transfer, transferList),
    validation: validation === undefined ? undefined : portable(validation, transfer, transferList),
    params,
    helperPorts: helpers.ports,
  };
  const worker = new Worker(new URL("./train_worker_entry.ts", import.meta.url), {
    type: "module",
  });
  const end = () => {
    worker.terminate();
    for (const helper of helpers.workers) helper.terminate();
  };
  return new Promise<TrainResult>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<TrainReply>) => {
      const reply = event.data;
      if (reply.kind === "log") {
        onLog?.(reply.log as RoundLog);
        return;
      }
      end();
      if (reply.kind === "done") resolve(reply.result);
      else {
        reject(
          reply.name === "ModelInputError"
            ? new ModelInputError(reply.message)
            : new Error(`Training failed in its worker: ${reply.message}`),
        );
      }
    };
    const failed = (event: ErrorEvent) => {
      event.preventDefault();
      end();
      reject(new Error(`Training failed in its worker: ${event.message}`));
    };
    worker.onerror = failed;
    for (const helper of helpers.workers) helper.onerror = failed;
    worker.postMessage(request, [...transferList, ...helpers.ports]);
  });
}

/**
 * The histogram helpers (threads - 1) started from this thread, each with a MessagePort for
 * the training Worker: a helper the training Worker started itself would start, and hear from
 * it, about half a second late (see BoostingThreads.start). Parameters that do not resolve get
 * none: the training Worker reports the error.
 */
function startHelpers(params: Partial<GbdtParams>): { workers: Worker[]; ports: MessagePort[] } {
  let threads = 1;
  try {
    threads = resolveGbdtParams(params).threads;
  } catch {
    // trainGbdt throws the same error, with its message, in the training Worker.
  }
  const workers: Worker[] = [];
  const ports: MessagePort[] = [];
  for (let thread = 1; thread < threads; thread++) {
    const channel = new MessageChannel();
    const helper = new Worker(new URL("./boosting_thread_worker.ts", import.meta.url), {
      type: "module",
    });
    const message: HelperPort = { port: channel.port2 };
    helper.postMessage(message, [channel.port2]);
    workers.push(helper);
    ports.push(channel.port1);
  }
  return { workers, ports };
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

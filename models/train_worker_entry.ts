// The training Worker's script: one request (training set, validation set, parameters) in,
// a message per round and then the result or the error out.
/// <reference lib="deno.worker" />
import type { GbdtParams } from "./gbdt_params.ts";
import { type RoundLog, trainGbdt, type TrainResult } from "./gbdt_trainer.ts";
import type { TrainingData } from "./training_data.ts";

export interface TrainRequest {
  readonly train: TrainingData;
  readonly validation: TrainingData | undefined;
  readonly params: Partial<GbdtParams>;
  /** Ports to the histogram helpers the caller started beside this Worker. */
  readonly helperPorts: readonly MessagePort[];
}

export type TrainReply =
  | { readonly kind: "log"; readonly log: RoundLog }
  | { readonly kind: "done"; readonly result: TrainResult }
  | { readonly kind: "error"; readonly name: string; readonly message: string };

self.onmessage = async (event: MessageEvent<TrainRequest>) => {
  const { train, validation, params, helperPorts } = event.data;
  const reply = (message: TrainReply) => self.postMessage(message);
  try {
    const result = await trainGbdt(
      train,
      validation,
      params,
      (log) => reply({ kind: "log", log }),
      helperPorts,
    );
    reply({ kind: "done", result });
  } catch (error) {
    const { name, message } = error instanceof Error
      ? error
      : { name: "Error", message: String(error) };
    reply({ kind: "error", name, message });
  }
};

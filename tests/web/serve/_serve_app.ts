// A serve app over the hand-built model for route tests: real onnxruntime, an in-memory source,
// a stepping clock, a private metrics registry, collected logs and counted scorer calls.
import { Registry } from "prom-client";
import { createServeApp, type ServeLimits, type ServeLogEvent } from "../../../web/serve/app.ts";
import { MemoryModelSource } from "../../../web/serve/memory_model_source.ts";
import { ModelHolder } from "../../../web/serve/model_holder.ts";
import type { Scorer } from "../../../web/serve/onnx_scorer.ts";
import { onnxModelLoader } from "../../../web/serve/serving_model.ts";
import { fixtureSnapshot } from "./_fixture_model.ts";

export const TOKEN = "test-token-0123456789";

export interface ServeFixture {
  readonly app: ReturnType<typeof createServeApp>;
  readonly holder: ModelHolder;
  readonly source: MemoryModelSource;
  readonly registry: Registry;
  readonly logs: ServeLogEvent[];
  /** onnxruntime runs so far: [rows of each run]. */
  readonly runs: number[];
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  readonly token?: string;
  /** Load the source's model before returning (default true). */
  readonly loaded?: boolean;
  readonly limits?: ServeLimits;
  readonly clock?: () => number;
}

/** Each clock call is 0.5 ms after the previous one. */
export function steppingClock(step = 0.5): () => number {
  let now = 0;
  return () => (now += step);
}

export async function serveFixture(options: FixtureOptions = {}): Promise<ServeFixture> {
  const runs: number[] = [];
  const counted = (scorer: Scorer): Scorer => ({
    features: scorer.features,
    scoreRow: (values) => {
      runs.push(1);
      return scorer.scoreRow(values);
    },
    scoreRows: (input, rows) => {
      runs.push(rows);
      return scorer.scoreRows(input, rows);
    },
    release: () => scorer.release(),
  });
  const load = onnxModelLoader();
  const holder = new ModelHolder(async (snapshot) => {
    const model = await load(snapshot);
    return { ...model, scorer: counted(model.scorer) };
  });
  const source = new MemoryModelSource(fixtureSnapshot("v1"));
  const registry = new Registry();
  const logs: ServeLogEvent[] = [];
  const app = createServeApp({
    holder,
    source,
    registry,
    clock: options.clock ?? steppingClock(),
    reloadToken: options.token,
    logger: (event) => logs.push(event),
    limits: options.limits,
  });
  if (options.loaded ?? true) await holder.load(source);
  runs.length = 0;
  return {
    app,
    holder,
    source,
    registry,
    logs,
    runs,
    post: (path, body, headers = {}) =>
      Promise.resolve(app.request(path, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      })),
    close: () => holder.close(),
  };
}

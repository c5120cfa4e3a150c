// `sluice serve`: the fraud prediction API on HOST:PORT, serving the champion of
// models.fraud_detector and swapping in a new one when the alias moves; SIGTERM stops accepting,
// lets requests in flight finish and exits 0. `--health` asks a running serve if it is ready.
import { parseArgs } from "node:util";
import { Registry } from "prom-client";
import type { Config, ServeConfig } from "../resources/config.ts";
import { EmbeddedStoreBusyError } from "../resources/postgres/embedded_lock.ts";
import { SluiceError } from "../runtime/errors.ts";
import { createLogger, type Logger, stderrSink } from "../runtime/logger.ts";
import { NO_MODEL_MESSAGE } from "../web/serve/api_error.ts";
import { createServeApp, type ServeLogger } from "../web/serve/app.ts";
import { BatchPool } from "../web/serve/batch_pool.ts";
import { serveGracefully } from "../web/serve/graceful_server.ts";
import { type HolderEvent, ModelHolder } from "../web/serve/model_holder.ts";
import { onnxModelLoader } from "../web/serve/serving_model.ts";
import type { Command, CommandContext } from "./command.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import { openServeModelSource, type ServeModelSource } from "./serve_model_source.ts";

export const SERVE_USAGE = `Usage: sluice serve [--model FILE]
       sluice serve --health

Serves fraud predictions from the champion of models.fraud_detector: POST /v1/predict and
/v1/predict/batch, POST /v1/model/reload, /health/live, /health/ready, /metrics, /openapi.json
and /docs. When the champion moves (\`deno task models promote|rollback\`, a model that passed its
gates) the new version is loaded, checked and warmed beside the old one, then swapped in; a
request finishes on the model it started with. Until there is a champion, /health/ready and the
predict routes answer 503.

Environment:
  HOST                   address to listen on (default 127.0.0.1)
  PORT                   port (default 8000; 0 picks a free one)
  SLUICE_SERVE_TOKEN     bearer token of POST /v1/model/reload, 16+ characters (unset: 403)
  SLUICE_SERVE_THREADS   onnxruntime threads per model (default 1)
  SLUICE_SERVE_BATCH_WORKERS  workers answering /v1/predict/batch on other cores (default 0:
                         batches run on the event loop)
  SLUICE_SERVE_POLL_MS   on Postgres, also re-read the champion this often (default 1000)
  DATABASE_URL, SLUICE_LAKE, S3_*   where the champion and its files are (as for materialize)

Options:
  --model FILE   serve this TreeModel JSON (its ONNX beside it as .onnx) instead of the champion,
                 reloaded when either file changes
  --health       exit 0 if serve on this host's PORT answers /health/ready (container checks)

On Postgres serve LISTENs for the champion's moves, and any number of replicas can run. On the
embedded store (no DATABASE_URL) serve opens PGlite only to read the champion, and again after
each turn another process (materialize, models) takes, so they run beside it.`;

async function runServe(context: CommandContext, args: string[]): Promise<ExitCode> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: "string" },
      health: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(SERVE_USAGE);
    return EXIT.ok;
  }
  const config = context.config();
  if (values.health) return await checkHealth(config.serve);
  const log = createLogger([stderrSink(config.logFormat)], config.logLevel);
  const opened = await openServeModelSource(config, values.model);
  try {
    return await serve(config, opened, log);
  } finally {
    await opened.close();
  }
}

async function serve(config: Config, opened: ServeModelSource, log: Logger): Promise<ExitCode> {
  const logger = serveLogger(log);
  const batchPool = config.serve.batchWorkers > 0
    ? new BatchPool(config.serve.batchWorkers)
    : undefined;
  const holder = new ModelHolder(
    onnxModelLoader({ threads: config.serve.threads, batchPool }),
  );
  holder.listen((event) => logHolderEvent(log, event, opened));
  const following = holder.follow(opened.source);
  const app = createServeApp({
    holder,
    source: opened.source,
    reloadToken: config.serve.token,
    registry: new Registry(),
    logger,
  });
  const server = serveGracefully(app.fetch, {
    hostname: config.serve.host,
    port: config.serve.port,
    logger,
    exitOnSignal: false,
    cleanup: async () => {
      following.stop();
      await holder.close();
      batchPool?.close();
    },
  });
  console.log(
    `Sluice serve on http://${server.addr.hostname}:${server.addr.port} (Ctrl-C stops it): ` +
      opened.description,
  );
  await server.finished;
  return EXIT.ok;
}

/** The app's log events through the project's logger (stderr, SLUICE_LOG_FORMAT). */
function serveLogger(log: Logger): ServeLogger {
  return ({ level, message, ...fields }) => log[level](message, fields);
}

function logHolderEvent(log: Logger, event: HolderEvent, opened: ServeModelSource): void {
  if (event.kind === "load" && event.result.outcome === "loaded") {
    const target = opened.champion?.lastTarget;
    const trained = target === undefined ? "" : `, trained for ${target.partition}`;
    log.info(
      `Serving model ${event.result.version} (loaded in ${Math.round(event.ms)} ms${trained})`,
      {
        event: "model_loaded",
        model_version: event.result.version,
        previous_version: event.result.previous ?? null,
        load_ms: Math.round(event.ms),
      },
    );
  } else if (event.kind === "load" && event.result.outcome === "empty") {
    log.warn(
      opened.champion === undefined
        ? `No model at ${opened.description} yet; answering 503 until it appears`
        : `${capitalized(NO_MODEL_MESSAGE)}; answering 503 until a version is promoted`,
      { event: "no_model" },
    );
  } else if (event.kind === "load_failed" && event.error instanceof EmbeddedStoreBusyError) {
    log.warn(`${event.error.message}; serve reads the champion once that process is done`, {
      event: "store_busy",
    });
  } else if (event.kind === "load_failed" || event.kind === "release_failed") {
    log.error(event.error.message, { event: event.kind });
  }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** GET /health/ready on this host's serve: exit 0 when it answers 200, else a one-line error. */
async function checkHealth(serve: ServeConfig): Promise<ExitCode> {
  const host = serve.host === "0.0.0.0" ? "127.0.0.1" : serve.host === "::" ? "[::1]" : serve.host;
  const url = `http://${host}:${serve.port}/health/ready`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    throw new SluiceError(`serve is not answering at ${url}: ${(error as Error).message}`);
  }
  const body = await response.json().catch(() => ({}));
  if (response.status !== 200) {
    throw new SluiceError(
      `serve at ${url} is not ready (${response.status}): ${body.message ?? "no message"}`,
    );
  }
  console.log(`serve at ${url} is ready: model ${body.model_version}`);
  return EXIT.ok;
}

export const serveCommand: Command = {
  name: "serve",
  summary: "serve fraud predictions from the champion model (hot swap when it moves)",
  usage: SERVE_USAGE,
  run: runServe,
};

// The prediction API as a process (temporary entry until `sluice.ts serve`): settings from the
// environment, the model from SLUICE_SERVE_MODEL (reloaded when its files change), a graceful
// stop on SIGTERM. `deno run -A web/serve/main.ts`
import { Registry } from "prom-client";
import { createServeApp } from "./app.ts";
import { FileModelSource } from "./file_model_source.ts";
import { jsonLineLogger, serveGracefully } from "./graceful_server.ts";
import { ModelHolder } from "./model_holder.ts";
import { parseServeConfig, ServeConfigError } from "./serve_config.ts";
import { onnxModelLoader } from "./serving_model.ts";

function main(): void {
  let config;
  try {
    config = parseServeConfig(Deno.env.toObject());
  } catch (error) {
    if (!(error instanceof ServeConfigError)) throw error;
    for (const line of error.lines) console.error(line);
    Deno.exit(2);
  }
  const logger = jsonLineLogger();
  const source = new FileModelSource(config.modelPath, { pollMs: config.pollMs });
  const holder = new ModelHolder(onnxModelLoader({ threads: config.threads }));
  holder.listen((event) => {
    if (event.kind === "load" && event.result.outcome === "loaded") {
      logger({
        level: "info",
        event: "model_loaded",
        message: `Serving model ${event.result.version} (loaded in ${Math.round(event.ms)} ms)`,
        model_version: event.result.version,
        previous_version: event.result.previous ?? null,
      });
    } else if (event.kind === "load" && event.result.outcome === "empty") {
      logger({
        level: "warn",
        event: "no_model",
        message: `No model at ${source.modelPath} yet; answering 503 until one appears`,
      });
    } else if (event.kind === "load_failed" || event.kind === "release_failed") {
      logger({
        level: "error",
        event: event.kind,
        message: event.error.message,
        model_version: holder.version ?? null,
      });
    }
  });
  const following = holder.follow(source);
  const app = createServeApp({
    holder,
    source,
    reloadToken: config.token,
    registry: new Registry(),
    logger,
  });
  serveGracefully(app.fetch, {
    hostname: config.host,
    port: config.port,
    logger,
    cleanup: async () => {
      following.stop();
      await holder.close();
    },
  });
}

if (import.meta.main) main();

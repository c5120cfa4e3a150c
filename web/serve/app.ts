// The prediction API as a Hono app: single and batch scoring, model reload, health, metrics,
// OpenAPI and docs. Everything it needs is injected, so tests drive it through app.request().
import { Hono } from "hono";
import { Registry } from "prom-client";
import { ApiError, modelUnavailable, NO_MODEL_MESSAGE } from "./api_error.ts";
import { answerBatchBytes } from "./batch_scoring.ts";
import { bearerMatches } from "./bearer_token.ts";
import { readJsonBytes } from "./json_body.ts";
import type { ModelHolder } from "./model_holder.ts";
import type { ModelSource } from "./model_source.ts";
import { openApiDocument } from "./openapi.ts";
import { RowReader } from "./row_reader.ts";
import { ServeMetrics } from "./serve_metrics.ts";
import { jsonResponse, roundMs, singlePrediction } from "./single_prediction.ts";
import { swaggerDocs } from "./swagger_docs.ts";

export interface ServeLogEvent {
  readonly level: "info" | "warn" | "error";
  readonly event: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

export type ServeLogger = (event: ServeLogEvent) => void;

export interface ServeLimits {
  /** Largest body of POST /v1/predict, in bytes. */
  readonly singleBodyBytes: number;
  /** Largest body of POST /v1/predict/batch; 10,000 contract rows take about 7 MB. */
  readonly batchBodyBytes: number;
}

export const DEFAULT_LIMITS: ServeLimits = {
  singleBodyBytes: 64 * 1024,
  batchBodyBytes: 16 * 1024 * 1024,
};

export interface ServeAppOptions {
  readonly holder: ModelHolder;
  /** Where POST /v1/model/reload loads from. */
  readonly source: ModelSource;
  /** Milliseconds from an arbitrary origin, for latency_ms and the latency histogram. */
  readonly clock?: () => number;
  /** SLUICE_SERVE_TOKEN; without one, reload answers 403. */
  readonly reloadToken?: string;
  readonly registry?: Registry;
  readonly logger?: ServeLogger;
  readonly limits?: ServeLimits;
}

type Env = { Variables: { started: number } };

/** Routes the metrics name; any other path counts as "other" so junk paths add no series. */
const ROUTES = new Set([
  "/v1/predict",
  "/v1/predict/batch",
  "/v1/model/reload",
  "/health/live",
  "/health/ready",
  "/metrics",
  "/openapi.json",
  "/docs",
]);

export function createServeApp(options: ServeAppOptions): Hono<Env> {
  const { holder, source } = options;
  const clock = options.clock ?? (() => performance.now());
  const logger = options.logger ?? (() => {});
  const limits = options.limits ?? DEFAULT_LIMITS;
  const registry = options.registry ?? new Registry();
  const metrics = new ServeMetrics(registry, () => {
    const lease = holder.acquire();
    if (lease === undefined) return undefined;
    lease.release();
    return { version: lease.model.version, threshold: lease.model.threshold };
  });
  holder.listen((event) => metrics.holderEvent(event));
  const reader = new RowReader();
  let openApi: string | undefined;
  const unexpected = (error: unknown, method: string, path: string): Response => {
    const failure = error instanceof Error ? error : new Error(String(error));
    logger({
      level: "error",
      event: "request_failed",
      message: `${method} ${path} failed: ${failure.message}`,
      stack: failure.stack,
    });
    return jsonResponse(
      new ApiError(500, "internal_error", "The server failed to answer; the error is logged")
        .body(),
      500,
    );
  };
  const predict = singlePrediction({
    holder,
    metrics,
    clock,
    bodyLimitBytes: limits.singleBodyBytes,
    unexpected,
  });

  const app = new Hono<Env>();

  app.use(async (c, next) => {
    const started = clock();
    c.set("started", started);
    await next();
    const route = ROUTES.has(c.req.path) ? c.req.path : "other";
    metrics.request(route, c.res.status, (clock() - started) / 1000);
  });

  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(error.body(), error.status);
    return unexpected(error, c.req.method, c.req.path);
  });

  app.notFound((c) =>
    c.json(
      new ApiError(404, "not_found", `No route ${c.req.method} ${c.req.path.slice(0, 200)}`)
        .body(),
      404,
    )
  );

  // Any form of the path Hono routes here (a query, percent-encoding) is answered alike.
  app.post("/v1/predict", (c) => predict(c.req.raw, c.get("started")));

  app.post("/v1/predict/batch", async (c) => {
    const lease = holder.acquire();
    if (lease === undefined) throw modelUnavailable();
    try {
      const bytes = await readJsonBytes(c.req.raw, limits.batchBodyBytes);
      const answer = await answerBatchBytes(
        bytes,
        reader,
        lease.model,
        () => clock() - c.get("started"),
      );
      metrics.scores(answer.probabilities);
      metrics.batch(answer.rows);
      metrics.rows(answer.scored, answer.rejected);
      return c.body(answer.body, 200, { "content-type": "application/json" });
    } finally {
      lease.release();
    }
  });

  app.post("/v1/model/reload", async (c) => {
    if (options.reloadToken === undefined || options.reloadToken === "") {
      throw new ApiError(403, "reload_disabled", "reload disabled: set SLUICE_SERVE_TOKEN");
    }
    if (!bearerMatches(c.req.header("authorization"), options.reloadToken)) {
      c.header("www-authenticate", 'Bearer realm="sluice-serve"');
      throw new ApiError(
        401,
        "unauthorized",
        "Cannot reload as the request must carry Authorization: Bearer <SLUICE_SERVE_TOKEN>",
      );
    }
    const started = clock();
    let outcome;
    try {
      outcome = await holder.load(source, { force: true });
    } catch (error) {
      logger({
        level: "error",
        event: "reload_failed",
        message: `Reload failed: ${(error as Error).message}`,
        model_version: holder.version ?? null,
      });
      throw new ApiError(
        500,
        "reload_failed",
        `Cannot reload the model: ${(error as Error).message}; still serving ${
          holder.version ?? "no model"
        }`,
      );
    }
    if (outcome.outcome === "empty") throw modelUnavailable();
    logger({
      level: "info",
      event: "model_reloaded",
      message: `Reload on request: serving ${outcome.version}`,
      model_version: outcome.version,
    });
    return c.json({
      outcome: outcome.outcome,
      model_version: outcome.version,
      previous_version: outcome.outcome === "loaded" ? outcome.previous ?? null : outcome.version,
      load_ms: roundMs(clock() - started),
    });
  });

  app.get("/health/live", (c) => c.json({ status: "ok", model_version: holder.version ?? null }));

  app.get("/health/ready", (c) => {
    const version = holder.version;
    if (version === undefined) {
      return c.json(
        { status: "unavailable", model_version: null, message: NO_MODEL_MESSAGE },
        503,
      );
    }
    return c.json({ status: "ok", model_version: version });
  });

  app.get("/metrics", async (c) => {
    const text = await registry.metrics();
    return c.body(text, 200, { "content-type": registry.contentType });
  });

  app.get("/openapi.json", (c) => {
    openApi ??= JSON.stringify(openApiDocument(limits));
    return c.body(openApi, 200, { "content-type": "application/json; charset=utf-8" });
  });

  app.route("/", swaggerDocs());

  for (const path of ROUTES) {
    app.all(path, (c) => {
      throw new ApiError(
        405,
        "method_not_allowed",
        `${c.req.method} is not allowed on ${path}: see /openapi.json`,
      );
    });
  }

  // The hot path skips the router, its context and middleware: the same handler, the same
  // metrics, about a third less CPU per isolated request. Tests reach it through app.request().
  const routed = app.fetch;
  app.fetch = (request, env, executionContext) => {
    if (request.method !== "POST" || !isPredictPath(request.url)) {
      return routed(request, env, executionContext);
    }
    return predictNow(request);
  };
  const predictNow = async (request: Request): Promise<Response> => {
    const started = clock();
    const response = await predict(request, started);
    metrics.request(PREDICT_PATH, response.status, (clock() - started) / 1000);
    return response;
  };

  return app;
}

const PREDICT_PATH = "/v1/predict";

/** Exactly /v1/predict (a query allowed); other spellings take the router to the same handler. */
function isPredictPath(url: string): boolean {
  const start = url.indexOf("/", url.indexOf(":") + 4);
  if (!url.startsWith(PREDICT_PATH, start)) return false;
  const end = start + PREDICT_PATH.length;
  return end === url.length || url[end] === "?" || url[end] === "#";
}

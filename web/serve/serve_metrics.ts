// The prediction API's Prometheus metrics (prom-client), registered on an injected Registry so
// tests and several apps in one process never share counters.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { BulkHistogram } from "./bulk_histogram.ts";
import type { HolderEvent } from "./model_holder.ts";

export type ReloadOutcome = "loaded" | "unchanged" | "empty" | "failed";

export class ServeMetrics {
  readonly #requests: Counter<"route" | "status">;
  readonly #duration: Histogram<"route">;
  readonly #batchRows: Histogram;
  readonly #scoredRows: Counter.Internal;
  readonly #rejectedRows: Counter.Internal;
  readonly #scores: BulkHistogram;
  readonly #reloads: Counter<"outcome">;
  readonly #loadSeconds: Histogram;
  // Label lookups hash their label objects; routes and statuses are few, so keep the children.
  readonly #durationByRoute = new Map<string, Histogram.Internal<"route">>();
  readonly #requestsByRouteStatus = new Map<string, Counter.Internal>();

  /** `modelInfo` is read at each scrape, so the info metric always names the served model. */
  constructor(
    registry: Registry,
    modelInfo: () => { readonly version: string; readonly threshold: number } | undefined,
  ) {
    const registers = [registry];
    this.#requests = new Counter({
      name: "sluice_serve_requests_total",
      help: "HTTP requests answered, by route and status code.",
      labelNames: ["route", "status"] as const,
      registers,
    });
    this.#duration = new Histogram({
      name: "sluice_serve_request_duration_seconds",
      help: "Time from receiving a request to its response, by route.",
      labelNames: ["route"] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.#batchRows = new Histogram({
      name: "sluice_serve_batch_rows",
      help: "Rows per batch request.",
      buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000],
      registers,
    });
    const rows = new Counter({
      name: "sluice_serve_rows_total",
      help: "Rows received by the predict routes: scored or rejected as invalid.",
      labelNames: ["outcome"] as const,
      registers,
    });
    this.#scoredRows = rows.labels({ outcome: "scored" });
    this.#rejectedRows = rows.labels({ outcome: "rejected" });
    this.#scores = new BulkHistogram({
      name: "sluice_serve_fraud_probability",
      help: "Fraud probabilities returned.",
      buckets: [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99],
      registers,
    });
    this.#reloads = new Counter({
      name: "sluice_serve_model_reloads_total",
      help: "Model load attempts by outcome: loaded, unchanged, empty (no champion), failed.",
      labelNames: ["outcome"] as const,
      registers,
    });
    this.#loadSeconds = new Histogram({
      name: "sluice_serve_model_load_seconds",
      help: "Time to load, check and warm a model.",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    new Gauge({
      name: "sluice_serve_model_info",
      help: "The model being served: 1 for its version (and its decision threshold).",
      labelNames: ["version", "threshold"] as const,
      registers,
      collect() {
        this.reset();
        const info = modelInfo();
        if (info) this.set({ version: info.version, threshold: String(info.threshold) }, 1);
      },
    });
  }

  request(route: string, status: number, seconds: number): void {
    const key = `${route} ${status}`;
    let counter = this.#requestsByRouteStatus.get(key);
    if (counter === undefined) {
      counter = this.#requests.labels({ route, status: String(status) });
      this.#requestsByRouteStatus.set(key, counter);
    }
    counter.inc();
    let histogram = this.#durationByRoute.get(route);
    if (histogram === undefined) {
      histogram = this.#duration.labels({ route });
      this.#durationByRoute.set(route, histogram);
    }
    histogram.observe(seconds);
  }

  rows(scored: number, rejected: number): void {
    if (scored > 0) this.#scoredRows.inc(scored);
    if (rejected > 0) this.#rejectedRows.inc(rejected);
  }

  batch(rows: number): void {
    this.#batchRows.observe(rows);
  }

  score(probability: number): void {
    this.#scores.observe(probability);
  }

  /** A batch's probabilities, `probabilities[0..count)`. */
  scores(probabilities: Float64Array, count: number = probabilities.length): void {
    this.#scores.observeAll(probabilities, count);
  }

  /** Counts a holder's load attempts. */
  holderEvent(event: HolderEvent): void {
    if (event.kind === "load") {
      this.#reloads.inc({ outcome: event.result.outcome });
      if (event.result.outcome === "loaded") this.#loadSeconds.observe(event.ms / 1000);
    } else if (event.kind === "load_failed") {
      this.#reloads.inc({ outcome: "failed" });
    }
  }
}

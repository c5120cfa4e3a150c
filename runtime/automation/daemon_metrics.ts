// The daemon's Prometheus metrics (`/metrics`): ticks and sensor evaluations by outcome, queue
// depth (read from the store when scraped), claim latency, tick-to-start latency, run outcomes.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { QueueDepth } from "../store/metadata_store.ts";

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10, 30];

export class DaemonMetrics {
  readonly registry = new Registry();
  readonly ticks = new Counter({
    name: "sluice_daemon_ticks_total",
    help: "Schedule ticks this daemon evaluated, by schedule and outcome",
    labelNames: ["schedule", "status"] as const,
    registers: [this.registry],
  });
  readonly evaluations = new Counter({
    name: "sluice_daemon_sensor_evaluations_total",
    help: "Sensor evaluations this daemon ran, by sensor and outcome",
    labelNames: ["sensor", "outcome"] as const,
    registers: [this.registry],
  });
  readonly evaluationSeconds = new Histogram({
    name: "sluice_daemon_sensor_evaluation_seconds",
    help: "Time of one sensor evaluation this daemon claimed, commit included, by sensor",
    labelNames: ["sensor"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly requested = new Counter({
    name: "sluice_daemon_run_requests_total",
    help: "Run requests this daemon enqueued, by origin",
    labelNames: ["origin"] as const,
    registers: [this.registry],
  });
  readonly claimSeconds = new Histogram({
    name: "sluice_daemon_claim_seconds",
    help: "Time to claim a run request from the queue (one round trip set)",
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly tickToStartSeconds = new Histogram({
    name: "sluice_daemon_tick_to_start_seconds",
    help: "From when a tick or evaluation asked for a run to the run's start, by origin",
    labelNames: ["origin"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly outcomes = new Counter({
    name: "sluice_daemon_run_outcomes_total",
    help: "Run requests this daemon finished, by outcome",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });
  readonly running = new Gauge({
    name: "sluice_daemon_runs_in_progress",
    help: "Run requests this daemon is running",
    registers: [this.registry],
  });

  constructor(depth?: () => Promise<QueueDepth>) {
    if (depth === undefined) return;
    new Gauge({
      name: "sluice_run_queue_depth",
      help: "Run requests in the shared queue, by status (read when scraped)",
      labelNames: ["status"] as const,
      registers: [this.registry],
      async collect() {
        const now = await depth();
        this.set({ status: "queued" }, now.queued);
        this.set({ status: "running" }, now.running);
      },
    });
  }

  /** The text exposition format, for `/metrics`. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

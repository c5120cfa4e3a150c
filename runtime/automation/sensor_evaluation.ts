// One evaluation of a sensor by this daemon: claim it (it is on, due, and no other daemon holds
// it), evaluate it under a deadline, and commit its cursor with its requests in one transaction;
// if the claim lapsed meanwhile, nothing is committed and the daemon that holds it now decides.
import { errorMessage } from "../errors.ts";
import type { AssetGraph } from "../graph/asset_graph.ts";
import type { Logger } from "../logger.ts";
import type { Resources } from "../definitions/resources.ts";
import { StatusResolver } from "../staleness/status_resolver.ts";
import { loadStatusResolver } from "../staleness/status_loading.ts";
import type {
  DaemonId,
  MetadataStore,
  SensorClaim,
  SensorOutcome,
} from "../store/metadata_store.ts";
import { type SensorDefinition, sensorRequestOf } from "./sensor.ts";

export interface SensorEvaluationEnv {
  readonly graph: AssetGraph;
  readonly store: MetadataStore;
  readonly resources: Resources;
  readonly log: Logger;
  readonly daemonId: DaemonId;
  /** How long an evaluation may take before another daemon may claim the sensor. */
  readonly claimTtlMs: number;
}

export type EvaluationReport =
  | { readonly kind: "not_due" }
  | {
    readonly kind: "committed";
    readonly requests: number;
    readonly skipReason: string | undefined;
  }
  /** The claim lapsed before the commit: another daemon evaluates it now. */
  | { readonly kind: "lost" }
  | { readonly kind: "failed"; readonly error: string };

/**
 * Claims `name` if due, runs `evaluate` with its cursor, and commits the outcome; a throw is
 * recorded as the sensor's last error, the cursor unchanged.
 */
export async function evaluateClaimed(
  env: SensorEvaluationEnv,
  name: string,
  intervalMs: number,
  now: Date,
  evaluate: (claim: SensorClaim, signal: AbortSignal) => Promise<SensorOutcome>,
): Promise<EvaluationReport> {
  const claim = await env.store.automation.claimSensor(
    name,
    env.daemonId,
    now,
    intervalMs,
    env.claimTtlMs,
  );
  if (claim === undefined) return { kind: "not_due" };
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new Error(`evaluation ran past its ${env.claimTtlMs} ms claim`)),
    env.claimTtlMs,
  );
  try {
    const outcome = await evaluate(claim, deadline.signal);
    if (deadline.signal.aborted) throw deadline.signal.reason;
    const committed = await env.store.automation.commitSensor(claim, outcome, now);
    if (!committed) return { kind: "lost" };
    return { kind: "committed", requests: outcome.requests.length, skipReason: outcome.skipReason };
  } catch (error) {
    const message = errorMessage(error);
    env.log.warn(`sensor ${name} failed: ${message}`, { sensor: name });
    await env.store.automation.failSensor(claim, message, now);
    return { kind: "failed", error: message };
  } finally {
    clearTimeout(timer);
  }
}

/** Evaluates a user or built-in sensor: its result becomes namespaced, keyed requests. */
export function evaluateSensor(
  env: SensorEvaluationEnv,
  sensor: SensorDefinition,
  now: Date,
): Promise<EvaluationReport> {
  return evaluateClaimed(
    env,
    sensor.name,
    sensor.minimumIntervalSeconds * 1000,
    now,
    async (claim, signal) => {
      let statuses: Promise<StatusResolver> | undefined;
      const result = await sensor.evaluate({
        name: sensor.name,
        cursor: claim.cursor,
        now,
        graph: env.graph,
        store: env.store,
        resources: env.resources,
        log: env.log.child({ sensor: sensor.name }),
        signal,
        statuses: () => statuses ??= loadStatusResolver(env.graph, env.store, now),
      });
      const requests = (result.runRequests ?? []).map((r) => sensorRequestOf(sensor.name, r, now));
      return {
        cursor: "cursor" in result ? result.cursor : claim.cursor,
        requests,
        skipReason: requests.length === 0
          ? result.skipReason ?? "no run requests"
          : result.skipReason,
        alerts: result.alerts,
      };
    },
  );
}

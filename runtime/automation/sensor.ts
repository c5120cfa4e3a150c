// A sensor: a function of a cursor, evaluated at most every `minimumIntervalSeconds` by one
// daemon at a time, that returns run requests (each with a run key, so a repeated evaluation
// never enqueues twice), a new cursor and, when it asks for nothing, why. The cursor is saved in
// the transaction that enqueues its requests (sensor_evaluation.ts).
import type { AssetGraph } from "../graph/asset_graph.ts";
import type { Logger } from "../logger.ts";
import type { Resources } from "../definitions/resources.ts";
import { DefinitionError } from "../errors.ts";
import type { StatusResolver } from "../staleness/status_resolver.ts";
import type { MetadataStore, NewAlert, RunRequestKind } from "../store/metadata_store.ts";
import { validTags } from "../definitions/automation_condition.ts";
import { automationName } from "./schedule.ts";

export interface SensorContext {
  readonly name: string;
  /** What the last committed evaluation returned; undefined the first time. */
  readonly cursor: string | undefined;
  readonly now: Date;
  readonly graph: AssetGraph;
  readonly store: MetadataStore;
  readonly resources: Resources;
  readonly log: Logger;
  /** Aborted when the evaluation runs past its claim: stop and return. */
  readonly signal: AbortSignal;
  /** Every asset partition's status, read from the store once per evaluation. */
  statuses(): Promise<StatusResolver>;
}

export interface SensorRunRequest {
  /** Unique within the sensor: the same key asked for again is not enqueued again. */
  readonly runKey: string;
  readonly kind?: RunRequestKind;
  readonly selection: string;
  readonly partitions?: string;
  readonly force?: boolean;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface SensorResult {
  readonly runRequests?: readonly SensorRunRequest[];
  /** The cursor to save; absent keeps the current one. */
  readonly cursor?: string;
  /** Why nothing was asked for, shown by `deno task sensors`. */
  readonly skipReason?: string;
  /** Alerts to deliver (log, Kafka, webhook), once per key. */
  readonly alerts?: readonly NewAlert[];
}

export interface SensorSpec {
  readonly name: string;
  readonly minimumIntervalSeconds: number;
  readonly description?: string;
  /** Whether it is on until someone turns it off; on by default. */
  readonly defaultState?: "on" | "off";
  evaluate(ctx: SensorContext): Promise<SensorResult>;
}

export interface SensorDefinition {
  readonly name: string;
  readonly minimumIntervalSeconds: number;
  readonly description: string;
  readonly defaultState: "on" | "off";
  readonly evaluate: (ctx: SensorContext) => Promise<SensorResult>;
}

export function defineSensor(spec: SensorSpec): SensorDefinition {
  const name = automationName(spec.name, "sensor");
  const interval = spec.minimumIntervalSeconds;
  if (!(interval >= 0) || !Number.isFinite(interval)) {
    throw new DefinitionError(
      `Sensor '${name}' has minimumIntervalSeconds ${interval}: expected a number of seconds, 0 or more`,
    );
  }
  return Object.freeze({
    name,
    minimumIntervalSeconds: interval,
    description: spec.description ?? "",
    defaultState: spec.defaultState ?? "on",
    evaluate: spec.evaluate.bind(spec),
  });
}

/** A sensor's request checked and namespaced: its run key becomes `sensor:<name>:<key>`. */
export function sensorRequestOf(sensor: string, request: SensorRunRequest, dueAt: Date) {
  if (typeof request.runKey !== "string" || request.runKey === "") {
    throw new DefinitionError(
      `Sensor '${sensor}' returned a run request without a runKey (selection '${request.selection}'): give each request a key, so a repeated evaluation does not enqueue it twice`,
    );
  }
  return {
    runKey: `sensor:${sensor}:${request.runKey}`,
    kind: request.kind ?? "materialize",
    selection: request.selection,
    partitions: request.partitions,
    force: request.force ?? false,
    tags: validTags(request.tags, `Sensor '${sensor}'`),
    origin: "sensor" as const,
    originName: sensor,
    dueAt,
  };
}

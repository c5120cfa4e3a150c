// One generator run from options to landing files: the entry point the CLI, the tests and
// (when the landing zone is empty) `materialize` share.
import type { FraudPattern, Topic } from "../contracts/events/mod.ts";
import { TOPICS } from "../contracts/events/mod.ts";
import { generateEvents, type StreamOptions } from "./event_stream.ts";
import { LandingWriter } from "./landing_writer.ts";
import type { MalformedKind } from "./malformed.ts";
import type { GeneratorOptions } from "./options.ts";

const DAY_MS = 86_400_000;

export interface TopicReport {
  readonly topic: Topic;
  readonly events: number;
  readonly malformed: number;
  readonly files: number;
  readonly bytes: number;
}

export interface GenerationReport {
  readonly options: GeneratorOptions;
  readonly topics: readonly TopicReport[];
  readonly events: number;
  readonly malformed: number;
  readonly malformedByKind: Readonly<Record<MalformedKind, number>>;
  /** Well-formed orders, and those labelled fraud. */
  readonly orders: number;
  /** Orders labelled fraud, and those whose label is noise (see overlap.ts). */
  readonly fraudOrders: number;
  readonly mislabelled: number;
  readonly fraudByPattern: Readonly<Partial<Record<FraudPattern, number>>>;
  readonly files: number;
  readonly bytes: number;
  readonly elapsedMs: number;
}

/** What the event stream needs of the CLI's options. */
export function streamOptionsOf(options: GeneratorOptions): StreamOptions {
  return {
    seed: options.seed,
    events: options.events,
    start: options.start,
    end: options.start + options.days * DAY_MS,
    fraudRate: options.fraudRate,
    malformedRate: options.malformedRate,
  };
}

export function runGenerator(options: GeneratorOptions): GenerationReport {
  const began = performance.now();
  const writer = LandingWriter.open(options.landing, options.batchSize);
  const stats = generateEvents(
    streamOptionsOf(options),
    (record) => writer.append(record.topic, record.partition, record.line, record.eventDate),
  );
  const written = writer.close();
  const topics = TOPICS.map((topic): TopicReport => ({
    topic,
    ...stats.topics[topic],
    ...written.get(topic)!,
  }));
  const sum = (pick: (t: TopicReport) => number) => topics.reduce((n, t) => n + pick(t), 0);
  return {
    options,
    topics,
    events: sum((t) => t.events),
    malformed: sum((t) => t.malformed),
    malformedByKind: stats.malformedByKind,
    orders: stats.orders,
    fraudOrders: stats.fraudOrders,
    mislabelled: stats.mislabelled,
    fraudByPattern: stats.fraudByPattern,
    files: sum((t) => t.files),
    bytes: sum((t) => t.bytes),
    elapsedMs: performance.now() - began,
  };
}

// Produces the run's interleaved, time-ordered events across the six topics: sessions start
// along the daily curve, their events wait in a time-ordered queue until they are due, and the
// fraud and malformed rates are applied as they are scheduled.
import TinyQueue from "tinyqueue";
import type { FraudPattern, StreamRecord, Topic } from "../contracts/events/mod.ts";
import { TOPICS } from "../contracts/events/mod.ts";
import { DailyCurve } from "./daily_curve.ts";
import { fraudSession } from "./fraud_patterns.ts";
import { PARTITIONS } from "./landing_writer.ts";
import { legitSession } from "./legit_session.ts";
import { malform, type MalformedKind } from "./malformed.ts";
import { partitionFor } from "./partitioner.ts";
import { LABEL_NOISE, MIMIC_SHARE } from "./overlap.ts";
import { newShopper, Population } from "./population.ts";
import { Random, seedOf } from "./random.ts";
import { type Emission, SessionDraft } from "./session_draft.ts";

export interface StreamOptions {
  readonly seed: number;
  /** Exactly this many lines are produced, malformed ones included. */
  readonly events: number;
  /** Epoch ms of the first instant and of the first instant after the run. */
  readonly start: number;
  readonly end: number;
  readonly fraudRate: number;
  readonly malformedRate: number;
}

/** One line ready for the landing zone. */

export interface TopicCounts {
  events: number;
  malformed: number;
}

export interface StreamStats {
  readonly topics: Record<Topic, TopicCounts>;
  readonly malformedByKind: Record<MalformedKind, number>;
  /** Orders and fraud orders among well-formed order lines, the ones a consumer can read. */
  orders: number;
  /** Orders labelled fraud (is_fraud), noise included. */
  fraudOrders: number;
  /** Orders whose label disagrees with what they were (LABEL_NOISE). */
  mislabelled: number;
  readonly fraudByPattern: Partial<Record<FraudPattern, number>>;
}

interface Pending extends StreamRecord {
  readonly seq: number;
}

const DAY_MS = 86_400_000;
/** Shoppers per day of traffic per event: enough repeat visits for baselines and velocity. */
const EVENTS_PER_SHOPPER = 15;
const SIGNUP_SHARE = 0.012;
/** Chance that a session starts as fraud while fraud is below its target share of orders. */
const FRAUD_SESSION_PROBABILITY = 0.15;

/** Generates the run, handing each record to `sink` in time order; returns what was produced. */
export function generateEvents(
  options: StreamOptions,
  sink: (record: StreamRecord) => void,
): StreamStats {
  const stream = streamEvents(options);
  for (let next = stream.next();; next = stream.next()) {
    if (next.done) return next.value;
    sink(next.value);
  }
}

/**
 * The run as a lazy sequence in time order, for consumers that pace themselves (a Kafka
 * producer awaiting its broker); the stats are the generator's return value.
 */
export function* streamEvents(options: StreamOptions): Generator<StreamRecord, StreamStats> {
  const { events: total, start, end } = options;
  const rng = new Random(seedOf(options.seed, "events", start, end));
  // A separate stream, so changing the malformed rate leaves every well-formed event unchanged.
  const corruption = new Random(seedOf(options.seed, "malformed", start, end));
  // Label noise draws from its own stream too: one number per order, whatever the labels.
  const labelNoise = new Random(seedOf(options.seed, "labels", start, end));
  const legitFlip = options.fraudRate >= 1
    ? 0
    : (LABEL_NOISE * options.fraudRate) / (1 - options.fraudRate);
  const days = Math.max(1, (end - start) / DAY_MS);
  const population = new Population(
    options.seed,
    Math.max(2000, Math.round(total / days / EVENTS_PER_SHOPPER)),
  );
  const curve = new DailyCurve(start, end);
  const queue = new TinyQueue<Pending>([], (a, b) => a.at - b.at || a.seq - b.seq);
  const stats = emptyStats();
  const partitions = new Map<string, number>();
  let ordersPlanned = 0;
  let fraudPlanned = 0;
  let scheduled = 0;
  let seq = 0;
  let sessionStart = start;

  const schedule = (drawn: Emission): void => {
    const emission = drawn.topic === "orders"
      ? noisyLabel(drawn as Emission<"orders">, labelNoise.float(), legitFlip)
      : drawn;
    const { topic, event, shopper } = emission;
    const counts = stats.topics[topic];
    counts.events++;
    let line: string;
    if (options.malformedRate > 0 && corruption.chance(options.malformedRate)) {
      const malformed = malform(corruption, topic, event);
      line = malformed.line;
      counts.malformed++;
      stats.malformedByKind[malformed.kind]++;
    } else {
      line = JSON.stringify(event);
      if (topic === "orders") countOrder(stats, emission as Emission<"orders">);
    }
    if (topic === "orders") {
      ordersPlanned++;
      // The fraud rate counts what was injected, not the noisy labels.
      if ((emission as Emission<"orders">).event.fraud_pattern !== null) fraudPlanned++;
      population.recordOrder(shopper);
    }
    let partition = partitions.get(shopper.id);
    if (partition === undefined) {
      partition = partitionFor(shopper.id, PARTITIONS);
      partitions.set(shopper.id, partition);
    }
    const eventDate = event.event_time.slice(0, 10);
    queue.push({ topic, key: shopper.id, partition, line, eventDate, at: emission.at, seq: seq++ });
  };

  while (scheduled < total) {
    sessionStart = Math.max(sessionStart, curve.timeAt(scheduled / total));
    while (queue.length > 0 && queue.peek()!.at <= sessionStart) yield queue.pop()!;
    const draft = new SessionDraft(rng, sessionStart, end);
    const wantFraud = options.fraudRate > 0 && fraudPlanned < options.fraudRate * ordersPlanned &&
      rng.chance(FRAUD_SESSION_PROBABILITY * nightFactor(sessionStart));
    if (!wantFraud || !fraudSession({ draft, population, mimic: rng.chance(MIMIC_SHARE) })) {
      const regular = rng.chance(SIGNUP_SHARE)
        ? undefined
        : population.pickAvailable(rng, sessionStart);
      legitSession(draft, regular ?? newShopper(rng, sessionStart), regular === undefined);
    }
    // Stable sort: events at the same instant keep the order the session emitted them in.
    const emissions = draft.emissions.sort((a, b) => a.at - b.at);
    for (const emission of emissions) {
      // Sessions near the end spill past it; that traffic belongs to a later run. The last
      // session is cut short so the run has exactly the requested number of lines.
      if (emission.at >= end || scheduled >= total) break;
      schedule(emission);
      scheduled++;
    }
  }
  while (queue.length > 0) yield queue.pop()!;
  return stats;
}

// Fraudsters favour the small hours, when victims sleep and reviewers are few.
function nightFactor(at: number): number {
  const hour = new Date(at).getUTCHours();
  return hour < 6 ? 2 : 1;
}

/**
 * The order with its label as a shop would have it (overlap.ts): LABEL_NOISE of the fraud goes
 * unreported, and legitimate orders are disputed at `legitFlip` (as many, for the fraud rate).
 * fraud_pattern keeps what the order really was.
 */
function noisyLabel(
  emission: Emission<"orders">,
  u: number,
  legitFlip: number,
): Emission<"orders"> {
  const fraud = emission.event.fraud_pattern !== null;
  if (u >= (fraud ? LABEL_NOISE : legitFlip)) return emission;
  return { ...emission, event: { ...emission.event, is_fraud: !fraud } };
}

function countOrder(stats: StreamStats, emission: Emission<"orders">): void {
  stats.orders++;
  const { is_fraud: labelled, fraud_pattern: pattern } = emission.event;
  if (labelled) stats.fraudOrders++;
  if (pattern !== null) stats.fraudByPattern[pattern] = (stats.fraudByPattern[pattern] ?? 0) + 1;
  if (labelled !== (pattern !== null)) stats.mislabelled++;
}

function emptyStats(): StreamStats {
  const topics = {} as Record<Topic, TopicCounts>;
  for (const topic of TOPICS) topics[topic] = { events: 0, malformed: 0 };
  return {
    topics,
    malformedByKind: {
      broken_json: 0,
      missing_field: 0,
      wrong_type: 0,
      negative_amount: 0,
      unknown_currency: 0,
    },
    orders: 0,
    fraudOrders: 0,
    mislabelled: 0,
    fraudByPattern: {},
  };
}

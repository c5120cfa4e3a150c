// A session's events before they join the stream: collected with their instants so the
// stream can order, trim, count and corrupt them in one place.
import type { EventOf, Topic } from "../contracts/events/mod.ts";
import type { Shopper } from "./population.ts";
import type { Random } from "./random.ts";

export interface Emission<T extends Topic = Topic> {
  readonly topic: T;
  readonly at: number;
  readonly event: EventOf<T>;
  /** Whose event it is; its id is the Kafka key, kept even if the payload gets corrupted. */
  readonly shopper: Shopper;
}

/** Collects one session's emissions; knows the run's end so late events are clamped or dropped. */
export class SessionDraft {
  readonly emissions: Emission[] = [];

  constructor(readonly rng: Random, readonly start: number, readonly end: number) {}

  emit<T extends Topic>(topic: T, shopper: Shopper, at: number, event: EventOf<T>): void {
    this.emissions.push({ topic, at, event, shopper } as Emission);
  }

  /** Moves an instant that must happen (a settlement) inside the run window. */
  clamp(at: number): number {
    return Math.min(at, this.end - 1);
  }

  /** Whether an optional later event (a refund, a chargeback) still falls inside the run. */
  fits(at: number): boolean {
    return at < this.end;
  }

  /** The last instant of the session so far: the shopper is busy until then. */
  lastAt(): number {
    let last = this.start;
    for (const emission of this.emissions) if (emission.at > last) last = emission.at;
    return last;
  }
}

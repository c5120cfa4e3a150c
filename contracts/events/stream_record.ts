// One generated event as it travels to the landing zone or Kafka: its topic, key and partition,
// the raw line, and its time. The generator makes them; the Kafka producer sends them.
import type { Topic } from "./topics.ts";

export interface StreamRecord {
  readonly topic: Topic;
  /** The shopper's id: Kafka's record key, so one user's events stay in order. */
  readonly key: string;
  readonly partition: number;
  readonly line: string;
  readonly eventDate: string;
  /** The event's time (epoch ms): Kafka's record timestamp. */
  readonly at: number;
}

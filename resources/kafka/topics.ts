// The six event topics on the broker: created when missing with 6 partitions and a retention
// window; an existing topic with fewer partitions is an error, since keys would move.
import type { Admin, ITopicConfig } from "kafkajs";
import { type Topic, TOPICS } from "../../contracts/events/mod.ts";
import { errorMessage, SluiceError } from "../../runtime/errors.ts";

export const TOPIC_PARTITIONS = 6;
/** Where gold.fraud_alerts go when Kafka is configured. */
export const ALERTS_TOPIC = "fraud.alerts";

export interface TopicSettings {
  readonly retentionHours: number;
  /** Replicas per partition; 1 on a single test broker. */
  readonly replicationFactor?: number;
}

function topicConfig(name: string, settings: TopicSettings): ITopicConfig {
  return {
    topic: name,
    numPartitions: TOPIC_PARTITIONS,
    replicationFactor: settings.replicationFactor ?? 1,
    configEntries: [
      { name: "retention.ms", value: String(settings.retentionHours * 3_600_000) },
      // Retention counts from arrival, not from the event time a producer stamps: a backfill of
      // last month's events must not be deleted the moment it lands. The event time travels in
      // the EVENT_TIME_HEADER instead (event_producer.ts).
      { name: "message.timestamp.type", value: "LogAppendTime" },
      { name: "cleanup.policy", value: "delete" },
      // Producers compress; the broker keeps their batches as they are.
      { name: "compression.type", value: "producer" },
    ],
  };
}

/** The broker's name for one of Sluice's topics, under the configured prefix. */
export function topicName(prefix: string, topic: Topic | typeof ALERTS_TOPIC): string {
  return `${prefix}${topic}`;
}

/** Sluice's topic of a broker topic name, or undefined for a topic that is not ours. */
export function eventTopicOf(prefix: string, name: string): Topic | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const topic = name.slice(prefix.length);
  return isEventTopic(topic) ? topic : undefined;
}

/** The event topics plus fraud.alerts, each created when missing; returns those created. */
export async function ensureTopics(
  admin: Admin,
  settings: TopicSettings,
  prefix = "",
): Promise<string[]> {
  const names = ([...TOPICS, ALERTS_TOPIC] as const).map((topic) => topicName(prefix, topic));
  const existing = new Set(await admin.listTopics());
  const missing = names.filter((name) => !existing.has(name));
  if (missing.length > 0) {
    await createTopics(admin, missing.map((name) => topicConfig(name, settings)));
  }
  const present = names.filter((name) => existing.has(name));
  if (present.length > 0) {
    const { topics } = await admin.fetchTopicMetadata({ topics: present });
    for (const topic of topics) {
      if (topic.partitions.length < TOPIC_PARTITIONS) {
        throw new SluiceError(
          `Kafka topic ${topic.name} has ${topic.partitions.length} partitions, Sluice needs ` +
            `${TOPIC_PARTITIONS}: add partitions with kafka-topics --alter before ingesting`,
        );
      }
    }
  }
  return missing;
}

/** Creates `topics` and waits until each partition has a leader. */
export async function createTopics(admin: Admin, topics: ITopicConfig[]): Promise<void> {
  try {
    await admin.createTopics({ waitForLeaders: true, topics });
  } catch (error) {
    // kafkajs's wait for leaders gives up when the broker's metadata does not list a topic it
    // has just created yet; the topics exist, so wait for their leaders here.
    if ((error as { type?: string }).type !== "UNKNOWN_TOPIC_OR_PARTITION") throw error;
    await waitForLeaders(admin, topics.map((t) => t.topic));
  }
}

/** Polls the metadata until every partition of `names` has a leader (at most ~10 s). */
async function waitForLeaders(admin: Admin, names: readonly string[]): Promise<void> {
  let last: unknown;
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
      if (
        topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
      ) {
        return;
      }
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new SluiceError(
    `Kafka topics ${names.join(", ")} were created but have no leader after 10 s` +
      (last === undefined ? "" : ` (${errorMessage(last)})`) + ": check the broker",
  );
}

export function isEventTopic(name: string): name is Topic {
  return (TOPICS as readonly string[]).includes(name);
}

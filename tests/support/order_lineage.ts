// Which Kafka order records a gold partition holds, read from the store's lineage: a
// gold.revenue_daily commit read a silver.orders_enriched version, which read a staging.orders
// version, which read a bronze.orders version; bronze versions are part sets whose appends record
// the Kafka offsets they hold (metadata kafka_partition, end_offset exclusive). For the Kafka
// end-to-end test and bench/daemon_bench.ts.
import type { KafkaMessage } from "kafkajs";
import type { AssetKey } from "../../runtime/definitions/asset_key.ts";
import type { PartitionKey } from "../../runtime/partitions/partition_key.ts";
import type { MaterializationRecord, MetadataStore } from "../../runtime/store/metadata_store.ts";
import { openKafka } from "../../resources/kafka/kafka_client.ts";

/** One commit and, per Kafka partition of the orders topic, the offsets below which it holds. */
export interface Coverage {
  readonly committedAt: number;
  readonly below: ReadonlyMap<number, bigint>;
}

/** An order record on the topic: Kafka partition, offset, the broker's append time. */
export interface OrderRecord {
  readonly p: number;
  readonly o: bigint;
  readonly at: number;
}

/** Oldest first. */
async function history(
  store: MetadataStore,
  key: string,
  day: string,
): Promise<MaterializationRecord[]> {
  const all = await store.partitions.listMaterializations(
    key as AssetKey,
    day as PartitionKey,
    100_000,
  );
  return [...all].reverse();
}

/** Each bronze.orders commit of `day` (appends, compactions, rewrites) with what it holds. */
function bronzeCommits(bronze: readonly MaterializationRecord[]) {
  const running = new Map<number, bigint>();
  return bronze.map((m) => {
    const partition = m.metadata.kafka_partition;
    const end = m.metadata.end_offset;
    if (typeof partition === "number" && typeof end === "string") {
      const previous = running.get(partition) ?? 0n;
      running.set(partition, BigInt(end) > previous ? BigInt(end) : previous);
    }
    return { mat: m, coverage: { committedAt: m.committedAt.getTime(), below: new Map(running) } };
  });
}

/** For each bronze.orders commit of `day`, the offsets it holds. */
export async function bronzeCoverage(store: MetadataStore, day: string): Promise<Coverage[]> {
  return bronzeCommits(await history(store, "bronze.orders", day)).map((c) => c.coverage);
}

/** For each gold.revenue_daily commit of `day`, the order offsets its lineage holds. */
export async function goldCoverage(store: MetadataStore, day: string): Promise<Coverage[]> {
  const [gold, silver, staging, bronze] = await Promise.all(
    ["gold.revenue_daily", "silver.orders_enriched", "staging.orders", "bronze.orders"]
      .map((key) => history(store, key, day)),
  );
  const firstByVersion = <T>(items: readonly T[], version: (item: T) => string) => {
    const map = new Map<string, T>();
    for (const item of items) if (!map.has(version(item))) map.set(version(item), item);
    return map;
  };
  const silverBy = firstByVersion(silver, (m) => m.dataVersion);
  const stagingBy = firstByVersion(staging, (m) => m.dataVersion);
  // A part-set version holds every append up to its first commit.
  const bronzeBy = firstByVersion(bronzeCommits(bronze), (c) => c.mat.dataVersion);
  const inputOf = (m: MaterializationRecord | undefined, key: string) =>
    m?.inputs.find((i) => i.assetKey === key && i.partition === day)?.dataVersion ?? "";
  return gold.map((g) => {
    const silverMat = silverBy.get(inputOf(g, "silver.orders_enriched"));
    const stagingMat = stagingBy.get(inputOf(silverMat, "staging.orders"));
    const below = bronzeBy.get(inputOf(stagingMat, "bronze.orders"))?.coverage.below;
    return { committedAt: g.committedAt.getTime(), below: below ?? new Map() };
  });
}

/** Whether the newest commit holds every one of `orders`. */
export function covers(coverage: readonly Coverage[], orders: readonly OrderRecord[]): boolean {
  const newest = coverage.at(-1);
  return newest !== undefined && orders.every((r) => r.o < (newest.below.get(r.p) ?? 0n));
}

/** When the first commit that holds `record` was made. */
export function firstHolding(commits: readonly Coverage[], record: OrderRecord): number {
  return commits.find((c) => record.o < (c.below.get(record.p) ?? 0n))!.committedAt;
}

/** The order records appended to `<prefix>orders` from `from` on, read until it is quiet. */
export async function readOrders(
  brokers: readonly string[],
  prefix: string,
  from: number,
  quietMs = 8_000,
): Promise<OrderRecord[]> {
  const kafka = openKafka({
    brokers,
    clientId: "sluice-test",
    topicPrefix: prefix,
    retentionHours: 1,
  });
  const consumer = kafka.consumer({ groupId: `${prefix}reader-${from}` });
  const records: OrderRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: `${prefix}orders`, fromBeginning: true });
  let last = Date.now();
  await consumer.run({
    eachMessage: ({ partition, message }: { partition: number; message: KafkaMessage }) => {
      records.push({ p: partition, o: BigInt(message.offset), at: Number(message.timestamp) });
      last = Date.now();
      return Promise.resolve();
    },
  });
  while (Date.now() - last < quietMs) await new Promise((resolve) => setTimeout(resolve, 500));
  await consumer.disconnect();
  return records.filter((record) => record.at >= from);
}

/** Deletes every topic named `<prefix>…` (a test's or a bench run's own), so runs leave none. */
export async function deletePrefixedTopics(brokers: readonly string[], prefix: string) {
  const kafka = openKafka({
    brokers,
    clientId: "sluice-test",
    topicPrefix: prefix,
    retentionHours: 1,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } catch {
    // Cleanup only: a broker that went away keeps them.
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

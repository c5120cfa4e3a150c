// For kill -9 tests of real processes: a slow daily asset whose every materialize call appends
// `<pid> <partition>` to CALLS_FILE before it works for SLOW_MS, the reader of that file, and a
// poll for a process's progress (those processes run on the system clock, so the test polls).
import assert from "node:assert/strict";
import { defineAsset } from "../../runtime/definitions/asset.ts";
import type { AssetKey } from "../../runtime/definitions/asset_key.ts";
import { daily } from "../../runtime/partitions/daily_partitions.ts";
import type { PartitionKey } from "../../runtime/partitions/partition_key.ts";
import type { MetadataStore } from "../../runtime/store/metadata_store.ts";

/** `demo.slow`, daily over 2026-11-01..08, one attempt per partition. */
export function slowAsset(calls: string, slowMs: number) {
  return defineAsset({
    key: "demo.slow",
    codeVersion: "1",
    partitions: daily({ start: "2026-11-01", end: "2026-11-08" }),
    retry: { maxAttempts: 1 },
    async materialize(ctx) {
      await Deno.writeTextFile(calls, `${Deno.pid} ${ctx.partition}\n`, { append: true });
      await new Promise((resolve) => setTimeout(resolve, slowMs));
      return { data: `slow ${ctx.partition}`, rows: 1 };
    },
  });
}

/** The calls so far, in the order they started. */
export async function readCalls(file: string): Promise<{ pid: number; partition: string }[]> {
  const text = await Deno.readTextFile(file).catch(() => "");
  return text.trim() === "" ? [] : text.trim().split("\n").map((line) => {
    const [pid, partition] = line.split(" ");
    return { pid: Number(pid), partition };
  });
}

/** The pids that started each partition, in the order they started. */
export async function callsByPartition(file: string): Promise<Map<string, number[]>> {
  const byPartition = new Map<string, number[]>();
  for (const call of await readCalls(file)) {
    byPartition.set(call.partition, [...byPartition.get(call.partition) ?? [], call.pid]);
  }
  return byPartition;
}

/** Asserts that each of `days` of `demo.slow` was committed exactly once, counted in the store. */
export async function assertCommittedOnce(
  store: MetadataStore,
  days: readonly string[],
): Promise<void> {
  for (const day of days) {
    const commits = await store.partitions.listMaterializations(
      "demo.slow" as AssetKey,
      day as PartitionKey,
      10,
    );
    assert.equal(commits.length, 1, `commits of ${day}`);
  }
}

/** Asserts that the daemon `id` is recorded dead, with a note saying its process is gone. */
export async function assertDaemonDead(
  store: MetadataStore,
  id: string | undefined,
): Promise<void> {
  const dead = (await store.queue.listDaemons(10)).find((d) => d.id === id);
  assert.equal(dead?.status, "dead", `daemon ${id}`);
  assert.match(dead?.note ?? "", /is gone/);
}

/** Polls `probe` every 50 ms until it returns a value; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

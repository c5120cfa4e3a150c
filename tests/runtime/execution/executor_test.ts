import assert from "node:assert/strict";
import { loadPointer } from "../../../runtime/store/partition_store.ts";
import { defineAsset, defineSource, dep } from "../../../runtime/definitions/asset.ts";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import { windowDays } from "../../../runtime/partitions/mapping.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import { describeStatus } from "../../../runtime/staleness/status.ts";
import type { DataVersion } from "../../../runtime/definitions/version.ts";
import { openHarness } from "../../support/runtime_harness.ts";

const NO_RETRY = { maxAttempts: 1 };

/** A root asset whose content the test controls, and a downstream that copies it. */
function chain(content: { value: string }, calls: string[] = []) {
  const root = defineAsset({
    key: "demo.root",
    retry: NO_RETRY,
    materialize() {
      calls.push("root");
      return Promise.resolve({ data: content.value, rows: 1 });
    },
  });
  const child = defineAsset({
    key: "demo.child",
    deps: [root],
    retry: NO_RETRY,
    async materialize(ctx) {
      calls.push("child");
      const [upstream] = ctx.input(root);
      const text = await Deno.readTextFile(`${upstream.parts[0].dir}/data`);
      return { data: text.toUpperCase(), rows: 1 };
    },
  });
  return { root, child };
}

Deno.test("materialize() runs never-materialized assets in order, then finds everything fresh", async () => {
  const calls: string[] = [];
  const { root, child } = chain({ value: "a" }, calls);
  const h = await openHarness([root, child]);
  try {
    const first = await h.run();
    assert.equal(first.run?.status, "succeeded");
    assert.deepEqual(calls, ["root", "child"]);
    assert.deepEqual(first.plan.steps.map((s) => s.reasons), [["never materialized"], [
      "never materialized",
    ]]);
    assert.equal((await h.status("demo.child")).status, "fresh");
    const second = await h.run();
    assert.equal(second.run, undefined);
    assert.equal(second.plan.fresh, 2);
    assert.deepEqual(calls, ["root", "child"]);
  } finally {
    await h.close();
  }
});

Deno.test("a new upstream data version makes the downstream stale until it is materialized", async () => {
  const content = { value: "a" };
  const { root, child } = chain(content);
  const h = await openHarness([root, child]);
  try {
    await h.run();
    content.value = "b";
    await h.run({ selection: "demo.root", force: true });
    const stale = await h.status("demo.child");
    assert.equal(stale.status, "stale");
    assert.equal(describeStatus(stale), "upstream demo.root has a new data version");
    const plan = await h.run({ dryRun: true });
    assert.deepEqual(plan.plan.steps.map((s) => s.id), ["demo.child"]);
    await h.run();
    assert.equal((await h.status("demo.child")).status, "fresh");
  } finally {
    await h.close();
  }
});

Deno.test("an upstream re-materialized with the same data version leaves downstreams fresh", async () => {
  const calls: string[] = [];
  const { root, child } = chain({ value: "same" }, calls);
  const h = await openHarness([root, child]);
  try {
    await h.run();
    calls.length = 0;
    await h.run({ selection: "demo.root", force: true });
    assert.equal((await h.status("demo.child")).status, "fresh");
    // In one run: the child is planned on condition, and skipped when the root did not change.
    const outcome = await h.run({ selection: "demo.root+", force: false, partitions: undefined });
    assert.equal(outcome.run, undefined);
    const forced = await h.run({ selection: "demo.root", force: true });
    assert.equal(forced.run?.status, "succeeded");
    assert.deepEqual(calls, ["root", "root"]);
  } finally {
    await h.close();
  }
});

Deno.test("a downstream planned behind a re-run upstream is skipped when its data did not change", async () => {
  const calls: string[] = [];
  const content = { value: "x" };
  const root = defineAsset({
    key: "demo.root",
    codeVersion: "v1",
    retry: NO_RETRY,
    materialize: () => {
      calls.push("root");
      return Promise.resolve({ data: content.value });
    },
  });
  const child = defineAsset({
    key: "demo.child",
    deps: [root],
    retry: NO_RETRY,
    materialize: () => {
      calls.push("child");
      return Promise.resolve({ data: "c" });
    },
  });
  const h = await openHarness([root, child]);
  try {
    await h.run();
    const rootV2 = defineAsset({
      key: "demo.root",
      retry: NO_RETRY,
      codeVersion: "v2",
      materialize: root.materialize,
    });
    const h2 = await openHarness([rootV2, child], { store: h.store, clock: h.clock });
    calls.length = 0;
    const outcome = await h2.run();
    assert.deepEqual(outcome.plan.steps.map((s) => [s.id, s.conditional]), [["demo.root", false], [
      "demo.child",
      true,
    ]]);
    assert.deepEqual(calls, ["root"]);
    const childStep = outcome.run!.steps.find((s) => s.assetKey === "demo.child")!;
    assert.equal(childStep.status, "skipped");
    assert.match(childStep.reason, /fresh: upstream re-materialized with the same data version/);
    assert.equal(outcome.run!.status, "succeeded");
  } finally {
    await h.close();
  }
});

Deno.test("a changed code version makes the asset stale with that reason", async () => {
  const { root } = chain({ value: "a" });
  const h = await openHarness([root]);
  try {
    await h.run();
    const changed = defineAsset({
      key: "demo.root",
      retry: NO_RETRY,
      materialize: () => Promise.resolve({ data: "a", rows: 2 }),
    });
    const h2 = await openHarness([changed], { store: h.store, clock: h.clock });
    const status = await h2.status("demo.root");
    assert.equal(describeStatus(status), "code version changed");
    await h2.run();
    assert.equal((await h2.status("demo.root")).status, "fresh");
  } finally {
    await h.close();
  }
});

Deno.test("a source with new data makes its readers stale until they run", async () => {
  let version = "offset-10";
  const source = defineSource({
    key: "source.events",
    observe: () =>
      Promise.resolve({ partitions: new Map([["" as PartitionKey, version as DataVersion]]) }),
  });
  const reader = defineAsset({
    key: "demo.reader",
    deps: [source],
    retry: NO_RETRY,
    materialize: (ctx) => Promise.resolve({ data: ctx.input(source)[0].dataVersion }),
  });
  const h = await openHarness([source, reader]);
  try {
    await h.run();
    assert.equal((await h.status("demo.reader")).status, "fresh");
    version = "offset-20";
    const outcome = await h.run({ dryRun: true });
    assert.deepEqual(outcome.plan.steps[0].reasons, ["source source.events has new data"]);
    await h.run();
    assert.equal((await h.status("demo.reader")).status, "fresh");
  } finally {
    await h.close();
  }
});

Deno.test("a failed asset is retried with exponential backoff, then skips its downstreams", async () => {
  let attempts = 0;
  const root = defineAsset({
    key: "demo.root",
    retry: { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 10_000, jitter: 0 },
    materialize: () => {
      attempts++;
      return Promise.reject(new Error("warehouse unreachable"));
    },
  });
  const child = defineAsset({
    key: "demo.child",
    deps: [root],
    materialize: () => Promise.resolve({ data: "never" }),
  });
  const h = await openHarness([root, child]);
  try {
    const outcome = await h.run();
    assert.equal(attempts, 4);
    assert.deepEqual(h.clock.sleeps, [100, 200, 400]);
    assert.equal(outcome.run?.status, "failed");
    const [rootStep, childStep] = outcome.run!.steps;
    assert.equal(rootStep.status, "failed");
    assert.equal(rootStep.reason, "warehouse unreachable");
    assert.equal(rootStep.attempts, 4);
    assert.equal(childStep.status, "skipped");
    assert.equal(childStep.reason, "upstream demo.root failed");
    const status = await h.status("demo.root");
    assert.equal(status.status, "failed");
    assert.match(
      describeStatus(status),
      /last materialization failed in run .*: warehouse unreachable/,
    );
    assert.equal((await h.status("demo.child")).status, "never");
  } finally {
    await h.close();
  }
});

Deno.test("a retry succeeds after a transient failure and clears the failed status", async () => {
  let attempts = 0;
  const flaky = defineAsset({
    key: "demo.flaky",
    retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 10, jitter: 0 },
    materialize: () => {
      attempts++;
      return attempts < 2
        ? Promise.reject(new Error("transient"))
        : Promise.resolve({ data: "ok" });
    },
  });
  const h = await openHarness([flaky]);
  try {
    const outcome = await h.run();
    assert.equal(outcome.run?.steps[0].status, "succeeded");
    assert.equal(outcome.run?.steps[0].attempts, 2);
    assert.equal((await h.status("demo.flaky")).status, "fresh");
  } finally {
    await h.close();
  }
});

Deno.test("an asset that exceeds its timeout fails with a timeout reason", async () => {
  const slow = defineAsset({
    key: "demo.slow",
    timeoutMs: 30,
    retry: NO_RETRY,
    materialize: (ctx) =>
      new Promise((_, reject) => {
        const timer = setTimeout(() => reject(new Error("should have been aborted")), 5_000);
        ctx.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(ctx.signal.reason);
        });
      }),
  });
  const h = await openHarness([slow]);
  try {
    const outcome = await h.run();
    assert.equal(outcome.run?.steps[0].status, "failed");
    assert.match(outcome.run!.steps[0].reason, /timed out after 30 ms/);
  } finally {
    await h.close();
  }
});

Deno.test("an upstream failure is a reason downstream, and retrying the upstream clears it", async () => {
  let broken = false;
  const root = defineAsset({
    key: "demo.root",
    retry: NO_RETRY,
    materialize: () =>
      broken ? Promise.reject(new Error("bad input")) : Promise.resolve({ data: "r" }),
  });
  const child = defineAsset({
    key: "demo.child",
    deps: [root],
    retry: NO_RETRY,
    materialize: () => Promise.resolve({ data: "c" }),
  });
  const h = await openHarness([root, child]);
  try {
    await h.run();
    broken = true;
    await h.run({ selection: "demo.root", force: true });
    const child1 = await h.status("demo.child");
    assert.equal(describeStatus(child1), "upstream demo.root failed (partition -)");
    const blocked = await h.run({ selection: "demo.child", dryRun: true });
    assert.equal(blocked.plan.steps.length, 0);
    assert.equal(blocked.plan.blocked.length, 1);
    broken = false;
    await h.run();
    assert.equal((await h.status("demo.child")).status, "fresh");
  } finally {
    await h.close();
  }
});

Deno.test("independent assets run in parallel up to the concurrency bound", async () => {
  let active = 0;
  let peak = 0;
  const assets = Array.from({ length: 6 }, (_, i) =>
    defineAsset({
      key: `demo.leaf_${i}`,
      retry: NO_RETRY,
      async materialize() {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 20));
        active--;
        return { data: String(i) };
      },
    }));
  const h = await openHarness(assets);
  try {
    await h.run({ concurrency: 3 });
    assert.equal(peak, 3);
  } finally {
    await h.close();
  }
});

Deno.test("a 30-day rolling asset reads its 30 upstream days and records them as lineage", async () => {
  const days = daily({ start: "2026-10-01", end: "2026-11-05" });
  const events = defineAsset({
    key: "demo.events",
    partitions: days,
    retry: NO_RETRY,
    materialize: (ctx) => Promise.resolve({ data: `events of ${ctx.partition}` }),
  });
  let read = 0;
  const rolling = defineAsset({
    key: "demo.rolling",
    partitions: days,
    deps: [dep(events, windowDays(30))],
    retry: NO_RETRY,
    materialize: (ctx) => {
      read = ctx.input(events).length;
      return Promise.resolve({ data: `30 days to ${ctx.partition}` });
    },
  });
  const h = await openHarness([events, rolling]);
  try {
    await h.run({ selection: "demo.events" });
    await h.run({ selection: "demo.rolling", partitions: "2026-11-05" });
    assert.equal(read, 30);
    const [latest] = await h.store.partitions.listMaterializations(
      rolling.key,
      "2026-11-05" as PartitionKey,
      1,
    );
    const inputs = await h.store.partitions.loadInputs([latest.id]);
    const partitions = inputs.get(latest.id)!.map((i) => i.partition).sort();
    assert.equal(partitions.length, 30);
    assert.equal(partitions[0], "2026-10-07");
    assert.equal(partitions[29], "2026-11-05");
    // A change to one of those 30 days makes the rolling partition stale.
    await h.run({ selection: "demo.events", partitions: "2026-10-20", force: true });
    assert.equal((await h.status("demo.rolling", "2026-11-05")).status, "fresh");
  } finally {
    await h.close();
  }
});

Deno.test("a backfill of a range materializes exactly those partitions", async () => {
  const days = daily({ start: "2026-01-01", end: "2026-12-31" });
  const seen: string[] = [];
  const table = defineAsset({
    key: "demo.table",
    partitions: days,
    retry: NO_RETRY,
    materialize: (ctx) => {
      seen.push(ctx.partition);
      return Promise.resolve({ data: ctx.partition, rows: 1 });
    },
  });
  const h = await openHarness([table]);
  try {
    const outcome = await h.run({ partitions: "2026-03-30..2026-04-02" });
    assert.deepEqual(seen.sort(), ["2026-03-30", "2026-03-31", "2026-04-01", "2026-04-02"]);
    assert.equal(outcome.run?.steps.length, 4);
    assert.equal((await h.status("demo.table", "2026-04-03")).status, "never");
  } finally {
    await h.close();
  }
});

Deno.test("a failing error-severity check keeps the new version uncommitted; a warning only records", async () => {
  let value = "good";
  const table = defineAsset({
    key: "demo.checked",
    retry: NO_RETRY,
    checks: [
      {
        name: "not_bad",
        severity: "error",
        run: async (ctx) => {
          const text = await Deno.readTextFile(`${ctx.output.dir}/data`);
          return { passed: text !== "bad", message: text === "bad" ? "found 1 bad row" : "ok" };
        },
      },
      {
        name: "always_warns",
        severity: "warn",
        run: () => Promise.resolve({ passed: false, message: "meh" }),
      },
    ],
    materialize: () => Promise.resolve({ data: value }),
  });
  const h = await openHarness([table]);
  try {
    const first = await h.run();
    assert.equal(first.run?.steps[0].status, "succeeded");
    const before = (await h.store.partitions.loadStates()).get(table.key)!.get("" as PartitionKey)!
      .current!;
    value = "bad";
    const second = await h.run({ force: true });
    assert.equal(second.run?.steps[0].status, "failed");
    assert.match(second.run!.steps[0].reason, /check 'not_bad' failed: found 1 bad row/);
    const after = (await loadPointer(h.store.partitions, table.key, "" as PartitionKey))!;
    assert.equal(after.dataVersion, before.dataVersion);
    assert.equal(await Deno.readTextFile(`${after.location!.replace("file://", "")}/data`), "good");
    const results = await h.store.checks.latestCheckResults(table.key);
    const names = results.get("" as PartitionKey)!.map((r) => `${r.name}:${r.passed}`).sort();
    assert.deepEqual(names, ["always_warns:false", "not_bad:false"]);
  } finally {
    await h.close();
  }
});

Deno.test("cancelling a run stops it cleanly and records it as cancelled", async () => {
  const controller = new AbortController();
  const blocker = defineAsset({
    key: "demo.blocker",
    retry: NO_RETRY,
    materialize: (ctx) =>
      new Promise((_, reject) => {
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
        setTimeout(() => controller.abort(), 10);
      }),
  });
  const after = defineAsset({
    key: "demo.after",
    deps: [blocker],
    materialize: () => Promise.resolve({ data: "x" }),
  });
  const h = await openHarness([blocker, after]);
  try {
    const outcome = await h.run({ signal: controller.signal });
    assert.equal(outcome.run?.status, "cancelled");
    assert.deepEqual(outcome.run!.steps.map((s) => s.status), ["cancelled", "cancelled"]);
    const run = await h.store.runs.getRun(outcome.run!.runId);
    assert.equal(run?.status, "cancelled");
    assert.equal((await h.status("demo.blocker")).status, "never");
  } finally {
    await h.close();
  }
});

Deno.test("a partition leased by another run shows as running, and a second run waits for it", async () => {
  const table = defineAsset({
    key: "demo.table",
    retry: NO_RETRY,
    materialize: () => Promise.resolve({ data: "t" }),
  });
  const h = await openHarness([table]);
  try {
    const claim = await h.store.leases.claim(
      table.key,
      "" as PartitionKey,
      "other-run" as never,
      "elsewhere:1",
      60_000,
    );
    assert.equal(claim.claimed, true);
    assert.equal((await h.status("demo.table")).status, "running");
    const outcome = await h.run({ lockWaitMs: 0, lockPollMs: 1 });
    assert.equal(outcome.run?.steps[0].status, "skipped");
    assert.match(outcome.run!.steps[0].reason, /taken: being materialized by run other-run/);
    await h.store.leases.release(table.key, "" as PartitionKey, "other-run" as never);
    const retried = await h.run();
    assert.equal(retried.run?.steps[0].status, "succeeded");
  } finally {
    await h.close();
  }
});

/** Counts the store's step calls of `h` by name. */
function countStepCalls(h: Awaited<ReturnType<typeof openHarness>>): Map<string, number> {
  const calls = new Map<string, number>();
  const count = <T extends object>(target: T, name: keyof T & string, label: string) => {
    const original = (target[name] as (...args: unknown[]) => unknown).bind(target);
    Object.assign(target, {
      [name]: (...args: unknown[]) => {
        calls.set(label, (calls.get(label) ?? 0) + 1);
        return original(...args);
      },
    });
  };
  count(h.store.steps, "begin", "begin");
  count(h.store.steps, "commitAndBegin", "commitAndBegin");
  count(h.store.partitions, "commitMaterialization", "commit");
  return calls;
}

Deno.test("in a serial chain each step's commit begins the next step, which reads what it committed", async () => {
  const { root, child } = chain({ value: "a" });
  const grandchild = defineAsset({
    key: "demo.grandchild",
    deps: [child],
    retry: NO_RETRY,
    async materialize(ctx) {
      const [upstream] = ctx.input(child);
      return { data: `${await Deno.readTextFile(`${upstream.parts[0].dir}/data`)}!`, rows: 1 };
    },
  });
  const h = await openHarness([root, child, grandchild]);
  try {
    const calls = countStepCalls(h);
    const outcome = await h.run();
    assert.deepEqual(outcome.run?.steps.map((s) => s.status), [
      "succeeded",
      "succeeded",
      "succeeded",
    ]);
    assert.deepEqual(Object.fromEntries(calls), { begin: 1, commitAndBegin: 2, commit: 1 });
    const pointer = await loadPointer(h.store.partitions, grandchild.key, "" as PartitionKey);
    const location = await h.lake.open(pointer!.location!);
    assert.equal(await Deno.readTextFile(`${location.dir}/data`), "A!");
    assert.deepEqual(await h.store.leases.listLeases(), []);
    assert.equal((await h.status("demo.grandchild")).status, "fresh");
  } finally {
    await h.close();
  }
});

Deno.test("a step begun by the commit before it but cancelled before it runs frees its lease and leaves no attempt", async () => {
  const controller = new AbortController();
  const first = defineAsset({
    key: "demo.first",
    retry: NO_RETRY,
    materialize: () => Promise.resolve({ data: "x" }),
  });
  const second = defineAsset({
    key: "demo.second",
    deps: [first],
    retry: NO_RETRY,
    materialize: () => Promise.resolve({ data: "y" }),
  });
  const h = await openHarness([first, second]);
  try {
    const commitAndBegin = h.store.steps.commitAndBegin.bind(h.store.steps);
    h.store.steps.commitAndBegin = async (m, next) => {
      const begun = await commitAndBegin(m, next);
      controller.abort();
      return begun;
    };
    const outcome = await h.run({ signal: controller.signal });
    assert.equal(outcome.run?.status, "cancelled");
    assert.deepEqual(outcome.run!.steps.map((s) => s.status), ["succeeded", "cancelled"]);
    assert.deepEqual(await h.store.leases.listLeases(), []);
    const state = (await h.store.partitions.loadStates()).get(second.key)?.get(
      "" as PartitionKey,
    );
    assert.equal(state?.lastAttempt, undefined);
    assert.equal((await h.status("demo.first")).status, "fresh");
    assert.equal((await h.status("demo.second")).status, "never");
  } finally {
    await h.close();
  }
});

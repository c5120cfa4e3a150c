import assert from "node:assert/strict";
import { areaOf, arrowProblem, placeProblem, runtimeStageOf } from "./layering.ts";

Deno.test("areaOf() names the top-level folder, with sluice.ts in the CLI's area", () => {
  assert.equal(areaOf("sluice.ts"), "cli");
  assert.equal(areaOf("cli/main.ts"), "cli");
  assert.equal(areaOf("web/ui/graph_view.ts"), "web");
  assert.equal(areaOf("runtime/errors.ts"), "runtime");
  assert.equal(areaOf("tests/architecture_test.ts"), "tests");
  assert.equal(areaOf("scratch.ts"), undefined);
  assert.equal(areaOf("scripts/tool.ts"), undefined);
});

Deno.test("every arrow down the layers is allowed", () => {
  const down: [string, string][] = [
    ["sluice.ts", "cli/main.ts"],
    ["cli/instance.ts", "assets/definitions.ts"],
    ["cli/instance.ts", "runtime/execution/executor.ts"],
    ["assets/bronze.ts", "ingest/landing/day_ingest.ts"],
    ["assets/definitions.ts", "models/features.ts"],
    ["assets/definitions.ts", "generator/run.ts"],
    ["web/serve/model_holder.ts", "models/tree_model.ts"],
    ["web/ui/ui_data.ts", "runtime/graph/asset_graph.ts"],
    ["ingest/kafka/offset_ledger.ts", "resources/kafka/topics.ts"],
    ["generator/run.ts", "contracts/events/mod.ts"],
    ["resources/config.ts", "runtime/errors.ts"],
    ["contracts/events/mod.ts", "runtime/errors.ts"],
    ["schedules/daily.ts", "assets/definitions.ts"],
  ];
  assert.deepEqual(down.map(([from, to]) => arrowProblem(from, to)), down.map(() => undefined));
});

Deno.test("an arrow up or sideways names both areas", () => {
  const cases: [string, string, string][] = [
    ["runtime/graph/g.ts", "resources/r.ts", "area runtime/ may not import area resources/"],
    ["runtime/errors.ts", "cli/c.ts", "area runtime/ may not import area cli/ (with sluice.ts)"],
    ["resources/kafka/p.ts", "generator/g.ts", "area resources/ may not import area generator/"],
    ["web/ui/u.ts", "assets/a.ts", "area web/ may not import area assets/"],
    ["assets/a.ts", "web/serve/s.ts", "area assets/ may not import area web/"],
    ["assets/a.ts", "schedules/s.ts", "area assets/ may not import area schedules/"],
    ["ingest/kafka/i.ts", "models/m.ts", "area ingest/ may not import area models/"],
    ["ingest/landing/i.ts", "generator/g.ts", "area ingest/ may not import area generator/"],
    ["generator/g.ts", "ingest/kafka/i.ts", "area generator/ may not import area ingest/"],
    ["models/m.ts", "generator/g.ts", "area models/ may not import area generator/"],
    ["web/ui/u.ts", "ingest/kafka/i.ts", "area web/ may not import area ingest/"],
    ["web/ui/u.ts", "generator/g.ts", "area web/ may not import area generator/"],
    ["contracts/c.ts", "resources/r.ts", "area contracts/ may not import area resources/"],
    ["runtime/sql/s.ts", "tests/support/t.ts", "area runtime/ may not import area tests/"],
  ];
  assert.deepEqual(
    cases.map(([from, to]) => arrowProblem(from, to)),
    cases.map(([, , why]) => why),
  );
});

Deno.test("tests and benches may import any area", () => {
  assert.equal(arrowProblem("tests/cli/cli_test.ts", "cli/main.ts"), undefined);
  assert.equal(arrowProblem("bench/kafka_bench.ts", "tests/support/services.ts"), undefined);
  assert.equal(
    arrowProblem("tests/assets/gold/gold_test.ts", "runtime/store/run_store.ts"),
    undefined,
  );
});

Deno.test("a runtime stage may import the kernel, lower stages and itself, never a higher stage", () => {
  assert.equal(runtimeStageOf("runtime/clock.ts"), "");
  assert.equal(runtimeStageOf("runtime/execution/step/attempt.ts"), "execution");
  const allowed: [string, string][] = [
    ["runtime/partitions/daily_partitions.ts", "runtime/errors.ts"],
    ["runtime/definitions/asset.ts", "runtime/partitions/mapping.ts"],
    ["runtime/graph/asset_graph.ts", "runtime/definitions/asset.ts"],
    ["runtime/execution/step/attempt.ts", "runtime/execution/plan.ts"],
    ["runtime/execution/executor.ts", "runtime/store/run_store.ts"],
    ["runtime/automation/daemon.ts", "runtime/execution/materialize.ts"],
    ["runtime/errors.ts", "runtime/clock.ts"],
  ];
  assert.deepEqual(
    allowed.map(([from, to]) => arrowProblem(from, to)),
    allowed.map(() => undefined),
  );
  assert.equal(
    arrowProblem("runtime/errors.ts", "runtime/partitions/partition_key.ts"),
    "runtime stage kernel (runtime/*.ts) may not import runtime stage partitions/",
  );
  assert.equal(
    arrowProblem("runtime/store/run_store.ts", "runtime/staleness/status.ts"),
    "runtime stage store/ may not import runtime stage staleness/",
  );
  assert.equal(
    arrowProblem("runtime/sql/sql_asset.ts", "runtime/execution/plan.ts"),
    "runtime stage sql/ may not import runtime stage execution/",
  );
});

Deno.test("placeProblem() names a file in no area and a runtime folder that is no stage", () => {
  assert.equal(placeProblem("runtime/store/sql/migrate.ts"), undefined);
  assert.equal(placeProblem("sluice.ts"), undefined);
  assert.match(placeProblem("scratch.ts")!, /^scratch\.ts is in no area of the layering/);
  assert.match(
    placeProblem("runtime/caching/memo.ts")!,
    /^runtime\/caching\/memo\.ts is in no runtime stage: stages are kernel \(runtime\/\*\.ts\), partitions\/, /,
  );
});

import assert from "node:assert/strict";
import { openMetadataStore } from "../../resources/postgres/open_metadata_store.ts";
import type { AssetKey } from "../../runtime/definitions/asset_key.ts";
import type { PartitionKey } from "../../runtime/partitions/partition_key.ts";
import { needsPostgres, withFreshDatabase } from "../support/services.ts";

const APP = new URL("./fixtures/cli_app.ts", import.meta.url).pathname;

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function sluice(
  home: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Result> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", APP, ...args],
    env: { SLUICE_HOME: home, NO_COLOR: "1", ...env },
    clearEnv: false,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

async function withHome(fn: (home: string) => Promise<void>): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "sluice-cli-" });
  try {
    await fn(home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("a bad environment variable stops start-up with one line naming it (exit 2)", async () => {
  await withHome(async (home) => {
    const result = await sluice(home, ["materialize"], { SLUICE_CONCURRENCY: "lots" });
    assert.equal(result.code, 2);
    const lines = result.stderr.trim().split("\n");
    assert.equal(lines.length, 1);
    assert.match(lines[0], /SLUICE_CONCURRENCY="lots": expected a positive whole number/);
  });
});

Deno.test("materialize runs what was never materialized, prints the run table, then does nothing", async () => {
  await withHome(async (home) => {
    const first = await sluice(home, ["materialize"]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /ASSET\s+PARTITION\s+STATUS\s+ROWS\s+DURATION\s+REASON/);
    assert.match(first.stdout, /demo\.root\s+-\s+succeeded\s+3\s+.*never materialized/);
    assert.match(first.stdout, /demo\.days\s+2026-11-03\s+succeeded/);
    assert.match(first.stdout, /succeeded: 5 succeeded\./);
    const second = await sluice(home, ["materialize"]);
    assert.equal(second.code, 0);
    assert.match(second.stdout, /Everything selected is fresh \(5 partitions\); nothing to do\./);
  });
});

Deno.test("materialize --dry-run prints each step with its reason and changes nothing", async () => {
  await withHome(async (home) => {
    const dry = await sluice(home, ["materialize", "+demo.child", "--dry-run"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /1\s+demo\.root\s+-\s+never materialized/);
    assert.match(dry.stdout, /2\s+demo\.child\s+-\s+never materialized/);
    const assets = await sluice(home, ["assets", "--json", "--no-observe"]);
    const statuses = JSON.parse(assets.stdout).map((a: { key: string; status: string }) =>
      `${a.key}:${a.status}`
    );
    assert.deepEqual(statuses, ["demo.root:never", "demo.child:never", "demo.days:never"]);
  });
});

Deno.test("assets lists each asset's status with the reason, as a table and as JSON", async () => {
  await withHome(async (home) => {
    await sluice(home, ["materialize"]);
    await sluice(home, ["materialize", "demo.root", "--force"], { VALUE: "v2" });
    const table = await sluice(home, ["assets"]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      /demo\.child\s+ts\s+demo\s+1\s+stale\s+1 failed: row_count_at_least_10 \(warn\)\s+upstream demo\.root has a new data version/,
    );
    assert.match(table.stdout, /demo\.days\s+ts\s+demo\s+3 fresh\s+fresh/);
    const json = JSON.parse((await sluice(home, ["assets", "demo.days", "--json"])).stdout);
    assert.deepEqual(Object.keys(json[0].partitionStatuses), [
      "2026-11-01",
      "2026-11-02",
      "2026-11-03",
    ]);
  });
});

Deno.test("a partition range selects exactly those days", async () => {
  await withHome(async (home) => {
    const result = await sluice(home, [
      "materialize",
      "tag:daily",
      "--partition",
      "2026-11-02..2026-11-03",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /2026-11-01/);
    assert.match(result.stdout, /succeeded: 2 succeeded\./);
    const bad = await sluice(home, ["materialize", "tag:daily", "--partition", "2026-12-01"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /2026-12-01/);
  });
});

Deno.test("a failed asset exits non-zero and its downstream is skipped with the reason", async () => {
  await withHome(async (home) => {
    const result = await sluice(home, ["materialize", "demo.root+"], { FAIL: "1" });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /demo\.root\s+-\s+failed\s+.*source system unreachable/);
    assert.match(result.stdout, /demo\.child\s+-\s+skipped\s+.*upstream demo\.root failed/);
  });
});

Deno.test("an unknown asset in the selection is a usage error that suggests the right key", async () => {
  await withHome(async (home) => {
    const result = await sluice(home, ["materialize", "demo.chld"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /demo\.chld.*did you mean 'demo\.child'/);
  });
});

Deno.test("assets shows check results: a summary per asset, and each check with its failing rows", async () => {
  await withHome(async (home) => {
    const failed = await sluice(home, ["materialize", "demo.root+"], { BAD_ROWS: "1" });
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /demo\.child\s+-\s+failed\s+.*amounts_positive/);
    const table = await sluice(home, ["assets", "--no-observe"]);
    assert.match(
      table.stdout,
      /demo\.child\s+ts\s+demo\s+1\s+failed\s+2 failed: amounts_positive, row_count_at_least_10 \(warn\)\s+.*check 'amounts_positive' failed: 1 negative amount/,
    );
    // demo.root has no checks: its CHECKS cell is empty.
    assert.match(table.stdout, /demo\.root\s+ts\s+demo\s+1\s+fresh\s*\n/);
    const detail = await sluice(home, ["assets", "demo.child", "--no-observe"]);
    assert.match(detail.stdout, /PARTITION\s+CHECK\s+SEVERITY\s+RESULT\s+MESSAGE/);
    assert.match(detail.stdout, /-\s+amounts_positive\s+error\s+FAILED\s+1 negative amount/);
    assert.match(detail.stdout, /-\s+row_count_at_least_10\s+warn\s+FAILED\s+1 row, expected/);
    assert.match(
      detail.stdout,
      /amounts_positive @ -: first failing rows\n\s+\{"amount":-3,"order_id":"o-7"\}/,
    );
    const json = JSON.parse((await sluice(home, ["assets", "demo.child", "--json"])).stdout);
    assert.deepEqual(
      json[0].checks.map((c: { name: string; passed: boolean }) => `${c.name}:${c.passed}`),
      ["amounts_positive:false", "row_count_at_least_10:false"],
    );

    const fixed = await sluice(home, ["materialize", "demo.child"]);
    assert.equal(fixed.code, 0, fixed.stdout);
    const after = await sluice(home, ["assets", "--no-observe"]);
    assert.match(
      after.stdout,
      /demo\.child\s+ts\s+demo\s+1\s+fresh\s+1 failed: row_count_at_least_10 \(warn\)/,
    );
  });
});

Deno.test("assets --sql on an asset without SQL is a usage error that says where to look", async () => {
  await withHome(async (home) => {
    const result = await sluice(home, ["assets", "--sql", "demo.root"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /No SQL asset 'demo\.root'.*deno task assets/);
  });
});

Deno.test({
  name: "two materialize processes on one Postgres never materialize the same partition at once",
  ...needsPostgres(),
  fn: () =>
    withFreshDatabase(async (url) => {
      await withHome(async (home) => {
        const env = { DATABASE_URL: url, SLOW_MS: "1500" };
        const [a, b] = await Promise.all([
          sluice(home, ["materialize", "demo.root"], env),
          sluice(home, ["materialize", "demo.root"], env),
        ]);
        assert.equal(a.code, 0, a.stderr);
        assert.equal(b.code, 0, b.stderr);
        const store = await openMetadataStore({ databaseUrl: url });
        try {
          const history = await store.partitions.listMaterializations(
            "demo.root" as AssetKey,
            "" as PartitionKey,
            10,
          );
          assert.equal(history.length, 1);
        } finally {
          await store.close();
        }
        const outputs = a.stdout + b.stdout;
        assert.match(outputs, /fresh: materialized meanwhile by run|Everything selected is fresh/);
      });
    }),
});

Deno.test("Ctrl-C cancels a run cleanly, records it as cancelled and exits 130", async () => {
  await withHome(async (home) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", APP, "materialize", "demo.root"],
      env: { SLUICE_HOME: home, NO_COLOR: "1", SLOW_MS: "20000" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let stderr = "";
    while (!/run \S+ started/.test(stderr)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`The run never started: ${stderr}`);
      stderr += value;
    }
    child.kill("SIGINT");
    const [status, stdout] = await Promise.all([
      child.status,
      new Response(child.stdout).text(),
      (async () => {
        for (;;) {
          const { done } = await reader.read();
          if (done) return;
        }
      })(),
    ]);
    assert.equal(status.code, 130);
    assert.match(stdout, /demo\.root\s+-\s+cancelled\s+.*run cancelled/);
    assert.match(stdout, /Run \S+ cancelled/);
    const runs = await sluice(home, ["assets", "demo.root", "--json", "--no-observe"]);
    assert.equal(JSON.parse(runs.stdout)[0].status, "never");
  });
});

Deno.test("vacuum reports what it would remove and trim, and refuses a bad flag value", async () => {
  await withHome(async (home) => {
    await sluice(home, ["materialize"]);
    const dry = await sluice(home, ["vacuum", "--dry-run"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(
      dry.stdout,
      /5 lake locations: 5 referenced, 0 too young to judge, would remove 0/,
    );
    assert.match(dry.stdout, /metadata older than 7 days: would trim 0 materializations/);
    const bad = await sluice(home, ["vacuum", "--retain-days", "soon"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--retain-days "soon": expected a whole number/);
  });
});

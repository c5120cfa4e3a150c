// `deno task schedules`, `sensors` and `runs` as a user runs them (sluice.ts, the project's
// schedules/), on a fresh Postgres: tables, --json shapes, on/off, enqueue, cancel, show, and
// bad input as one line with exit 2.
import assert from "node:assert/strict";
import { openPostgresClient } from "../../resources/postgres/postgres_client.ts";
import type { RunId } from "../../runtime/store/metadata_store.ts";
import { SqlMetadataStore } from "../../runtime/store/sql/sql_metadata_store.ts";
import { runScript } from "../support/deno_script.ts";
import { createFreshDatabase, needsPostgres } from "../support/services.ts";

async function withCli(
  fn: (
    sluice: (...args: string[]) => ReturnType<typeof runScript>,
    databaseUrl: string,
  ) => Promise<void>,
): Promise<void> {
  const database = await createFreshDatabase();
  const home = await Deno.makeTempDir({ prefix: "sluice-automation-cli-" });
  const env = { ...Deno.env.toObject(), DATABASE_URL: database.url, SLUICE_HOME: home };
  delete (env as Record<string, string | undefined>).KAFKA_BROKERS;
  try {
    await fn((...args) => runScript("sluice.ts", args, env), database.url);
  } finally {
    await database.drop();
    await Deno.remove(home, { recursive: true });
  }
}

const options = { ...needsPostgres(), sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name:
    "schedules lists the project's schedules with their next tick, and on/off turns one for every daemon",
  ...options,
  async fn() {
    await withCli(async (sluice) => {
      const table = await sluice("schedules");
      assert.equal(table.code, 0, table.stderr);
      const [header, ...rows] = table.stdout.trim().split("\n");
      assert.match(header, /^NAME +STATE +CRON +RUNS +NEXT TICK +LAST TICK$/);
      assert.deepEqual(rows.map((row) => row.split(/\s{2,}/).slice(0, 4)), [
        ["fraud_model_daily", "on", "0 2 * * * (UTC)", "models.fraud_detector"],
        ["vacuum_daily", "on", "30 3 * * * (UTC)", "vacuum"],
      ]);
      const off = await sluice("schedules", "off", "vacuum_daily");
      assert.equal(off.stdout.trim(), "Schedule vacuum_daily is off.");
      const json = JSON.parse((await sluice("schedules", "--json")).stdout);
      const vacuum = json.schedules.find((s: { name: string }) => s.name === "vacuum_daily");
      assert.equal(vacuum.state, "off");
      assert.equal(vacuum.next_tick, null);
      assert.equal(vacuum.kind, "vacuum");
      assert.equal(vacuum.catch_up, "latest, max 1");
      const model = json.schedules.find((s: { name: string }) => s.name === "fraud_model_daily");
      assert.match(model.next_tick, /^\d{4}-\d{2}-\d{2}T02:00:00\.000Z$/);
      assert.equal(model.last_tick, null);
      const on = await sluice("schedules", "on", "vacuum_daily");
      assert.match(
        on.stdout,
        /^Schedule vacuum_daily is on: its ticks from \S+ on run; earlier ones are not back-filled\.$/m,
      );

      const unknown = await sluice("schedules", "on", "nightly");
      assert.equal(unknown.code, 2);
      assert.equal(
        unknown.stderr.trim(),
        "error: No schedule 'nightly': expected one of fraud_model_daily, vacuum_daily",
      );
      const garbled = await sluice("schedules", "enable", "vacuum_daily");
      assert.equal(garbled.code, 2);
      assert.equal(
        garbled.stderr.trim(),
        "error: Cannot read 'schedules enable vacuum_daily': expected 'schedules on NAME' or 'schedules off NAME'",
      );
    });
  },
});

Deno.test({
  name: "sensors lists the sensors and the automation conditions; off and on apply to every daemon",
  ...options,
  async fn() {
    await withCli(async (sluice) => {
      const json = JSON.parse((await sluice("sensors", "--json")).stdout);
      assert.deepEqual(
        json.sensors.map((s: { name: string; state: string; minimum_interval_seconds: number }) => [
          s.name,
          s.state,
          s.minimum_interval_seconds,
        ]),
        [
          ["new_source_data", "on", 10],
          ["freshness", "on", 60],
          ["run_failures", "on", 10],
          ["automation_conditions", "on", 5],
        ],
      );
      assert.equal((await sluice("sensors", "off", "automation_conditions")).code, 0);
      const after = JSON.parse((await sluice("sensors", "--json")).stdout);
      assert.equal(after.sensors[3].state, "off");
      const table = await sluice("sensors");
      assert.match(table.stdout, /^automation_conditions +off +5 s +- +-$/m);
      assert.equal(
        (await sluice("sensors", "on", "automation_conditions")).stdout,
        "Sensor automation_conditions is on.\n",
      );
      const unknown = await sluice("sensors", "off", "nope");
      assert.equal(unknown.code, 2);
      assert.match(
        unknown.stderr,
        /^error: No sensor 'nope': expected one of new_source_data, freshness, run_failures, automation_conditions\n$/,
      );
    });
  },
});

Deno.test({
  name:
    "runs enqueue splits a range of days, runs lists and shows requests, and cancel ends a queued one",
  ...options,
  async fn() {
    await withCli(async (sluice) => {
      const queued = await sluice(
        "runs",
        "enqueue",
        "group:gold",
        "--partition",
        "2026-11-01..2026-11-05",
        "--chunk-days",
        "2",
        "--tag",
        "owner=ana",
      );
      assert.equal(queued.code, 0, queued.stderr);
      assert.match(
        queued.stdout,
        /^Queued 3 requests 1\.\.3 \(backfill [0-9a-f]{8}, 2 day\(s\) each\) over 2026-11-01\.\.2026-11-05\.\nNo daemon is running: start one with `deno task daemon`\.\n$/,
      );
      const list = JSON.parse((await sluice("runs", "--json")).stdout);
      assert.equal(list.queued, 3);
      assert.deepEqual(
        list.requests.map((
          r: { id: string; partitions: string; origin: string; status: string },
        ) => [r.id, r.partitions, r.origin, r.status]),
        [["3", "2026-11-05", "cli", "queued"], ["2", "2026-11-03..2026-11-04", "cli", "queued"], [
          "1",
          "2026-11-01..2026-11-02",
          "cli",
          "queued",
        ]],
      );
      assert.equal(list.requests[0].tags.owner, "ana");
      assert.match(list.requests[0].tags.backfill, /^[0-9a-f]{8}$/);

      const cancel = await sluice("runs", "cancel", "2");
      assert.equal(cancel.stdout.trim(), "Request 2 cancelled before it started.");
      const again = await sluice("runs", "cancel", "2");
      assert.equal(again.code, 2);
      assert.equal(again.stderr.trim(), "error: Request 2 already cancelled: nothing to cancel");
      const show = await sluice("runs", "show", "2");
      assert.match(show.stdout, /^request {4}2 cancelled$/m);
      assert.match(show.stdout, /^message {4}cancelled before it started$/m);
      const table = await sluice("runs");
      assert.match(table.stdout, /^2 +cancelled +cli +group:gold +2026-11-03\.\.2026-11-04 +- /m);
      assert.match(table.stdout, /^2 queued, 0 running; 0 live daemons$/m);

      const bad = await sluice("runs", "enqueue", "gold.nope");
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /^error: .*gold\.nope/);
      const missing = await sluice("runs", "show", "999");
      assert.equal(missing.code, 2);
      assert.equal(
        missing.stderr.trim(),
        "error: No run request or run '999': see `deno task runs` for ids",
      );
      const status = await sluice("runs", "--status", "done");
      assert.equal(status.code, 2);
      assert.equal(
        status.stderr.trim(),
        "error: Cannot use --status done: expected queued, running, succeeded, failed, cancelled, abandoned",
      );
    });
  },
});

Deno.test({
  name:
    "runs lists the runs no request started beside the queue, an abandoned one with its reason, and shows either kind by id",
  ...options,
  async fn() {
    await withCli(async (sluice, databaseUrl) => {
      const queued = await sluice("runs", "enqueue", "group:gold", "--partition", "2026-11-01");
      assert.equal(queued.code, 0, queued.stderr);
      // What `deno task materialize` and `ingest` record, one of them killed and noticed.
      const store = new SqlMetadataStore(await openPostgresClient(databaseUrl));
      try {
        await store.migrate();
        const run = (id: string, command: string, minute: number) => ({
          id: id as RunId,
          command,
          selection: command === "ingest" ? "*" : "+gold.fraud_summary",
          partitions: "partition 2026-11-01",
          host: "worker-1",
          pid: 4242,
          startedAt: new Date(`2026-12-01T01:0${minute}:00Z`),
        });
        await store.runs.startRun(run("20261201-010000-aaaaaaaa", "materialize", 0));
        await store.runs.finishRun(
          "20261201-010000-aaaaaaaa" as RunId,
          "succeeded",
          {},
          new Date("2026-12-01T01:01:00Z"),
        );
        await store.runs.startRun(run("20261201-010200-bbbbbbbb", "ingest", 2));
        await store.runs.startRun(run("20261201-010300-cccccccc", "materialize", 3));
        await store.runs.abandonRun(
          "20261201-010300-cccccccc" as RunId,
          "its process worker-1:4242 is gone (noticed by daemon d-1)",
          new Date("2026-12-01T01:04:00Z"),
        );
      } finally {
        await store.close();
      }

      const json = JSON.parse((await sluice("runs", "--json")).stdout);
      assert.deepEqual(json.requests.map((r: { id: string }) => r.id), ["1"]);
      assert.deepEqual(json.runs, [
        {
          id: "20261201-010300-cccccccc",
          status: "abandoned",
          origin: "materialize",
          selection: "+gold.fraud_summary",
          partitions: "partition 2026-11-01",
          started_at: "2026-12-01T01:03:00.000Z",
          finished_at: "2026-12-01T01:04:00.000Z",
          host: "worker-1",
          pid: 4242,
          reason: "its process worker-1:4242 is gone (noticed by daemon d-1)",
        },
        {
          id: "20261201-010200-bbbbbbbb",
          status: "running",
          origin: "ingest",
          selection: "*",
          partitions: "partition 2026-11-01",
          started_at: "2026-12-01T01:02:00.000Z",
          finished_at: null,
          host: "worker-1",
          pid: 4242,
          reason: null,
        },
        {
          id: "20261201-010000-aaaaaaaa",
          status: "succeeded",
          origin: "materialize",
          selection: "+gold.fraud_summary",
          partitions: "partition 2026-11-01",
          started_at: "2026-12-01T01:00:00.000Z",
          finished_at: "2026-12-01T01:01:00.000Z",
          host: "worker-1",
          pid: 4242,
          reason: null,
        },
      ]);

      const abandoned = JSON.parse(
        (await sluice("runs", "--status", "abandoned", "--json")).stdout,
      );
      assert.deepEqual(abandoned.requests, []);
      assert.deepEqual(abandoned.runs.map((r: { id: string }) => r.id), [
        "20261201-010300-cccccccc",
      ]);
      const queuedOnly = JSON.parse((await sluice("runs", "--status", "queued", "--json")).stdout);
      assert.deepEqual(queuedOnly.requests.map((r: { id: string }) => r.id), ["1"]);
      assert.deepEqual(queuedOnly.runs, []);

      const table = await sluice("runs");
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /^Runs no request started:$/m);
      assert.match(
        table.stdout,
        /^RUN +STATUS +ORIGIN +SELECTION +PARTITIONS +STARTED +ENDED +REASON$/m,
      );
      assert.match(
        table.stdout,
        /^20261201-010300-cccccccc +abandoned +materialize +\+gold\.fraud_summary +partition 2026-11-01 +.+ its process worker-1:4242 is gone/m,
      );
      assert.match(table.stdout, /^20261201-010200-bbbbbbbb +running +ingest +\* /m);

      const shown = await sluice("runs", "20261201-010300-cccccccc");
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(
        shown.stdout,
        /^Run 20261201-010300-cccccccc abandoned \(materialize\), started /,
      );
      assert.match(
        shown.stdout,
        /^Abandoned: its process worker-1:4242 is gone \(noticed by daemon d-1\)$/m,
      );
      const request = await sluice("runs", "1");
      assert.match(request.stdout, /^request {4}1 queued$/m);
      const shownJson = JSON.parse(
        (await sluice("runs", "show", "20261201-010300-cccccccc", "--json")).stdout,
      );
      assert.equal(shownJson.request, null);
      assert.equal(shownJson.run.status, "abandoned");
      assert.equal(shownJson.run.summary.reason, json.runs[0].reason);
    });
  },
});

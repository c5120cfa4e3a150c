import assert from "node:assert/strict";
import { defineSchedule } from "../../../runtime/automation/schedule.ts";
import { decideTicks, tickRunKey } from "../../../runtime/automation/schedule_ticks.ts";
import { DefinitionError } from "../../../runtime/errors.ts";

const hourly = (catchUp: { policy: "latest" | "all"; max: number }) =>
  defineSchedule({
    name: "hourly_gold",
    cron: "0 * * * *",
    selection: "group:gold",
    partitions: (tick) => tick.toISOString().slice(0, 10),
    catchUp,
  });

const ON = new Date("2026-11-02T00:30:00Z");

Deno.test("a schedule turned on never back-fills ticks from before that moment", () => {
  const schedule = hourly({ policy: "all", max: 100 });
  const evaluation = decideTicks(
    schedule,
    { lastTickAt: undefined, changedAt: ON },
    new Date("2026-11-02T03:10:00Z"),
  );
  assert.deepEqual(evaluation.ticks.map((t) => t.tickAt.toISOString()), [
    "2026-11-02T01:00:00.000Z",
    "2026-11-02T02:00:00.000Z",
    "2026-11-02T03:00:00.000Z",
  ]);
  assert.deepEqual(evaluation.lastTickAt, new Date("2026-11-02T03:00:00Z"));
});

Deno.test("a tick at the moment the schedule was turned on is due", () => {
  const evaluation = decideTicks(
    hourly({ policy: "all", max: 5 }),
    { lastTickAt: undefined, changedAt: new Date("2026-11-02T01:00:00Z") },
    new Date("2026-11-02T01:00:00Z"),
  );
  assert.deepEqual(evaluation.ticks.map((t) => t.tickAt), [new Date("2026-11-02T01:00:00Z")]);
});

Deno.test("catch-up 'all' runs the latest `max` missed ticks in order; the first says what it superseded", () => {
  const evaluation = decideTicks(
    hourly({ policy: "all", max: 3 }),
    { lastTickAt: new Date("2026-11-02T01:00:00Z"), changedAt: ON },
    new Date("2026-11-02T07:30:00Z"),
  );
  assert.deepEqual(
    evaluation.ticks.map((t) => [t.tickAt.toISOString().slice(11, 16), t.status, t.superseded]),
    [["05:00", "requested", 3], ["06:00", "requested", 0], ["07:00", "requested", 0]],
  );
  assert.equal(
    evaluation.ticks[0].reason,
    "caught up: 3 earlier ticks superseded (catch-up all, max 3)",
  );
  assert.deepEqual(evaluation.lastTickAt, new Date("2026-11-02T07:00:00Z"));
});

Deno.test("catch-up 'latest' runs only the newest missed tick", () => {
  const evaluation = decideTicks(
    hourly({ policy: "latest", max: 1 }),
    { lastTickAt: new Date("2026-11-02T01:00:00Z"), changedAt: ON },
    new Date("2026-11-02T07:30:00Z"),
  );
  assert.deepEqual(evaluation.ticks.map((t) => [t.tickAt.toISOString(), t.superseded]), [
    ["2026-11-02T07:00:00.000Z", 5],
  ]);
  const [request] = evaluation.ticks[0].requests;
  assert.deepEqual(request, {
    runKey: "schedule:hourly_gold:2026-11-02T07:00:00.000Z",
    kind: "materialize",
    selection: "group:gold",
    partitions: "2026-11-02",
    force: false,
    tags: {},
    origin: "schedule",
    originName: "hourly_gold",
    dueAt: new Date("2026-11-02T07:00:00Z"),
  });
  assert.equal(tickRunKey("x", new Date(0)), "schedule:x:1970-01-01T00:00:00.000Z");
});

Deno.test("nothing is due between ticks", () => {
  const evaluation = decideTicks(
    hourly({ policy: "all", max: 5 }),
    { lastTickAt: new Date("2026-11-02T07:00:00Z"), changedAt: ON },
    new Date("2026-11-02T07:59:59Z"),
  );
  assert.deepEqual(evaluation, { ticks: [], lastTickAt: undefined });
});

Deno.test("a tick whose partitions function throws or returns a bad key is recorded failed", () => {
  const schedule = defineSchedule({
    name: "bad",
    cron: "0 * * * *",
    partitions: (tick) => {
      if (tick.getUTCHours() === 1) throw new Error("no calendar for that day");
      return "not a partition!";
    },
  });
  const evaluation = decideTicks(
    schedule,
    { lastTickAt: undefined, changedAt: ON },
    new Date("2026-11-02T02:00:00Z"),
  );
  assert.deepEqual(evaluation.ticks.map((t) => [t.status, t.reason, t.requests.length]), [
    ["failed", "partitions(2026-11-02T01:00:00.000Z) failed: no calendar for that day", 0],
    [
      "failed",
      "partitions(2026-11-02T02:00:00.000Z) failed: Cannot parse partition 'not a partition!': expected one key like '2026-11-01' or a range like '2026-11-01..2026-11-07'",
      0,
    ],
  ]);
});

Deno.test("an unrunnable schedule records its ticks as skipped with the reason", () => {
  const evaluation = decideTicks(
    hourly({ policy: "latest", max: 1 }),
    { lastTickAt: undefined, changedAt: ON },
    new Date("2026-11-02T01:00:00Z"),
    "selection 'models.fraud_detector' matches no asset",
  );
  assert.deepEqual(evaluation.ticks.map((t) => [t.status, t.reason]), [
    ["skipped", "selection 'models.fraud_detector' matches no asset"],
  ]);
});

Deno.test("a daily schedule across the spring-forward and fall-back days of Europe/Berlin ticks once a day", () => {
  const schedule = defineSchedule({
    name: "berlin_daily",
    cron: "30 2 * * *",
    timezone: "Europe/Berlin",
    catchUp: { policy: "all", max: 400 },
  });
  const evaluation = decideTicks(
    schedule,
    { lastTickAt: undefined, changedAt: new Date("2026-03-27T00:00:00Z") },
    new Date("2026-03-31T00:00:00Z"),
  );
  assert.deepEqual(evaluation.ticks.map((t) => t.tickAt.toISOString()), [
    "2026-03-27T01:30:00.000Z",
    "2026-03-28T01:30:00.000Z",
    "2026-03-29T01:00:00.000Z",
    "2026-03-30T00:30:00.000Z",
  ]);
  const fall = decideTicks(
    schedule,
    { lastTickAt: new Date("2026-10-24T00:30:00Z"), changedAt: new Date("2026-03-27T00:00:00Z") },
    new Date("2026-10-27T00:00:00Z"),
  );
  assert.deepEqual(fall.ticks.map((t) => t.tickAt.toISOString()), [
    "2026-10-25T00:30:00.000Z",
    "2026-10-26T01:30:00.000Z",
  ]);
});

Deno.test("defineSchedule() refuses a bad name, catch-up or kind with a message naming it", () => {
  const cases: [() => unknown, string][] = [
    [
      () => defineSchedule({ name: "Bad-Name", cron: "0 2 * * *" }),
      "Cannot define schedule 'Bad-Name': a name is lowercase letters, digits and '_', starting with a letter, like 'fraud_model_daily'",
    ],
    [
      () => defineSchedule({ name: "x", cron: "0 2 * * *", catchUp: { policy: "all", max: 0 } }),
      "Schedule 'x' has catch-up max 0: expected a whole number of at least 1",
    ],
    [
      () =>
        defineSchedule({
          name: "x",
          cron: "0 2 * * *",
          catchUp: { policy: "some" as "all", max: 1 },
        }),
      "Schedule 'x' has catch-up policy 'some': expected 'latest' or 'all'",
    ],
    [
      () => defineSchedule({ name: "x", cron: "0 2 * * *", kind: "train" as "vacuum" }),
      "Schedule 'x' has kind 'train': expected 'materialize' or 'vacuum'",
    ],
  ];
  for (const [fn, message] of cases) {
    assert.throws(fn, (e: unknown) => e instanceof DefinitionError && e.message === message);
  }
});

// The UI app over the real platform, through app.request(): the JSON API's documents are the
// CLI's, a materialize form POST queues a request that runs here and its page and SSE log tail
// follow it to the end, and /healthz answers while the store does.
import assert from "node:assert/strict";
import { runDocument, runsDocument } from "../../../runtime/automation/run_documents.ts";
import type { RunId } from "../../../runtime/store/metadata_store.ts";
import { createUiApp } from "../../../web/ui/ui_app.tsx";
import { DAYS, openUiFixture, type UiFixture } from "./store_fixture.ts";

async function served(): Promise<{ f: UiFixture; app: ReturnType<typeof createUiApp> }> {
  const f = await openUiFixture();
  f.land(DAYS[0], "a");
  f.land(DAYS[1], "a");
  await f.sources.observeNow();
  const app = createUiApp({
    data: f.data,
    actions: f.actions,
    host: "127.0.0.1",
    clock: f.h.clock,
    statusPollMs: 0,
  });
  return { f, app };
}

/** The CSRF cookie and token a page hands this "browser". */
async function csrf(app: ReturnType<typeof createUiApp>) {
  const page = await app.request("/runs");
  const cookie = page.headers.getSetCookie()[0].split(";")[0];
  const token = (await page.text()).match(/<meta name="csrf-token" content="([^"]+)"/)![1];
  return { cookie, token };
}

Deno.test("the store-backed JSON API returns the CLI's assets --json documents", async () => {
  const { f, app } = await served();
  try {
    const assets = await (await app.request("/api/assets")).json();
    assert.deepEqual(assets, JSON.parse(JSON.stringify(await f.data.assetDocuments())));
    const orders = await (await app.request("/api/assets/demo.orders")).json();
    assert.deepEqual(Object.keys(orders.partitionStatuses), DAYS);
    assert.deepEqual(orders.partitionStatuses[DAYS[0]], {
      status: "never",
      reasons: ["never materialized"],
      causes: [{ kind: "never_materialized" }],
    });
    assert.deepEqual(orders.health, { total: 3, runs: [["never", 2], ["waiting", 1]] });
  } finally {
    await f.close();
  }
});

Deno.test("a materialize form POST runs the request here; its page and log stream follow it to the end", async () => {
  const { f, app } = await served();
  try {
    const { cookie, token } = await csrf(app);
    const posted = await app.request("/actions/materialize", {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: token, selection: "+demo.summary", from: "", to: "" }),
    });
    assert.equal(posted.status, 303);
    assert.equal(posted.headers.get("location"), "/runs/req-1");
    await f.localRuns.settled("req-1");
    const page = await (await app.request("/runs/req-1")).text();
    assert.match(page, /id="run-status"[^>]*>succeeded</);
    assert.match(page, /materialized demo\.summary@2026-03-02/);
    const stream = await (await app.request("/runs/req-1/logs/stream")).text();
    assert.match(stream, /event: log\ndata: .*"message":"materialized demo\.orders@2026-03-01"/);
    assert.match(stream, /event: end\ndata: \{"status":"succeeded"\}/);
    // The run queue's documents, as `deno task runs --json` and `runs show 1 --json` print them.
    const runs = await (await app.request("/api/runs")).json();
    assert.deepEqual(
      runs,
      JSON.parse(JSON.stringify(await runsDocument(f.h.store, { limit: 50 }))),
    );
    assert.deepEqual(runs.requests.map((r: { id: string; origin: string }) => [r.id, r.origin]), [
      ["1", "ui"],
    ]);
    const run = await (await app.request("/api/runs/req-1")).json();
    assert.deepEqual(run, JSON.parse(JSON.stringify(await runDocument(f.h.store, "1"))));
    assert.equal(run.request.status, "succeeded");
    assert.equal(run.steps.length, 4);
    assert.equal((await app.request("/api/runs/req-9")).status, 404);
    const graph = await (await app.request("/graph/statuses")).json();
    assert.equal(graph.status.length, 4);
  } finally {
    await f.close();
  }
});

Deno.test("a materialize POST with a reversed range is a 400 that says so, and queues nothing", async () => {
  const { f, app } = await served();
  try {
    const { cookie, token } = await csrf(app);
    const refused = await app.request("/actions/materialize", {
      method: "POST",
      headers: {
        cookie,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: new URLSearchParams({
        _csrf: token,
        selection: "demo.orders",
        from: "2026-03-01",
        to: "2026-02-01",
      }),
    });
    assert.equal(refused.status, 400);
    assert.match(
      (await refused.json()).error,
      /^Cannot materialize the range '2026-03-01\.\.2026-02-01'/,
    );
    assert.deepEqual(await f.h.store.queue.list(), []);
  } finally {
    await f.close();
  }
});

Deno.test("/healthz answers 200 while the store does and 503 with the reason once it cannot", async () => {
  const { f, app } = await served();
  assert.deepEqual(await (await app.request("/healthz")).json(), { status: "ok" });
  await f.close();
  const down = await app.request("/healthz");
  assert.equal(down.status, 503);
  const body = await down.json();
  assert.equal(body.status, "unavailable");
  assert.match(body.error, /^Cannot read the metadata store: /);
});

Deno.test("an abandoned run outside the queue is listed, filtered, badged and shown with its reason, as runs --json has it", async () => {
  const { f, app } = await served();
  try {
    const killed = "20260304-110000-deadbeef" as RunId;
    await f.h.store.runs.startRun({
      id: killed,
      command: "materialize",
      selection: "demo.orders",
      partitions: "partition 2026-03-01",
      host: "worker-1",
      pid: 4242,
      startedAt: new Date("2026-03-04T11:00:00Z"),
    });
    const reason = "its process worker-1:4242 is gone (noticed by daemon d-1)";
    await f.h.store.runs.abandonRun(killed, reason, new Date("2026-03-04T11:05:00Z"));
    await f.h.store.queue.enqueue([{
      kind: "materialize",
      selection: "demo.summary",
      tags: {},
      origin: "cli",
    }]);

    const list = await (await app.request("/runs?status=abandoned")).text();
    assert.match(list, new RegExp(`href="/runs/${killed}"`));
    assert.match(list, /<span class="badge run-abandoned">abandoned<\/span>/);
    assert.match(list, /<option value="abandoned" selected="">abandoned<\/option>/);
    assert.doesNotMatch(list, /req-1/);
    const all = await (await app.request("/runs")).text();
    assert.match(all, /req-1/);
    assert.match(all, new RegExp(`/runs/${killed}`));

    const page = await (await app.request(`/runs/${killed}`)).text();
    assert.match(page, /<span id="run-status" class="badge run-abandoned">abandoned<\/span>/);
    assert.match(
      page,
      new RegExp(`<dt>Abandoned</dt><dd id="run-error">${escapeRegExp(reason)}</dd>`),
    );

    const json = await (await app.request("/api/runs")).json();
    assert.deepEqual(
      json,
      JSON.parse(JSON.stringify(await runsDocument(f.h.store, { limit: 50 }))),
    );
    assert.deepEqual(json.requests.map((r: { id: string }) => r.id), ["1"]);
    assert.deepEqual(json.runs.map((r: { id: string; status: string }) => [r.id, r.status]), [
      [killed, "abandoned"],
    ]);
    assert.equal(json.runs[0].reason, reason);
    const abandoned = await (await app.request("/api/runs?status=abandoned")).json();
    assert.deepEqual(abandoned.requests, []);
    assert.deepEqual(abandoned.runs.map((r: { id: string }) => r.id), [killed]);
    const one = await (await app.request(`/api/runs/${killed}`)).json();
    assert.deepEqual(one, JSON.parse(JSON.stringify(await runDocument(f.h.store, killed))));
    assert.equal(one.run.summary.reason, reason);
  } finally {
    await f.close();
  }
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

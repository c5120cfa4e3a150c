import assert from "node:assert/strict";
import { UiConfigError } from "../../../web/ui/errors.ts";
import { GeneratedUiData } from "../../../web/ui/generated_ui_data.ts";
import { createUiApp } from "../../../web/ui/ui_app.tsx";
import { CLOCK } from "./fixtures.ts";

const TOKEN = "a-long-enough-ui-token-for-tests";

function setup(host = "127.0.0.1", token?: string) {
  const data = new GeneratedUiData({ assets: "pipeline", partitions: 30, clock: CLOCK });
  const app = createUiApp({ data, actions: data, host, token, clock: CLOCK, statusPollMs: 0 });
  return { data, app, client: new Client(app) };
}

/** A tiny browser for app.request(): keeps cookies, reads the CSRF token pages carry. */
class Client {
  readonly cookies = new Map<string, string>();
  constructor(
    private readonly app: {
      request: (path: string, init?: RequestInit) => Response | Promise<Response>;
    },
  ) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0 && !headers.has("cookie")) {
      headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    }
    const response = await this.app.request(path, { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [name, value] = pair.split("=");
      if (value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  async csrfToken(path = "/runs"): Promise<string> {
    const html = await (await this.request(path)).text();
    return html.match(/<meta name="csrf-token" content="([^"]+)"/)![1];
  }

  async post(path: string, fields: Record<string, string>, headers: HeadersInit = {}) {
    return await this.request(path, {
      method: "POST",
      body: new URLSearchParams(fields),
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    });
  }
}

function embeddedJson(html: string, id: string) {
  const match = html.match(new RegExp(`<script type="application/json" id="${id}">(.*?)</script>`));
  assert.ok(match, `the page has no #${id}`);
  return JSON.parse(match[1]);
}

Deno.test("GET / renders the graph page with the laid-out graph, a CSP and a CSRF cookie", async () => {
  const { client } = setup();
  const response = await client.request("/");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-security-policy")!, /script-src 'self'/);
  assert.ok(client.cookies.has("sluice_csrf"));
  const html = await response.text();
  const graph = embeddedJson(html, "graph-data");
  assert.equal(graph.keys.length, 41);
  assert.equal(graph.x.length, 41);
  assert.deepEqual(graph.lanes.map((l: { group: string }) => l.group), [
    "landing",
    "seeds",
    "bronze",
    "staging",
    "silver",
    "models",
    "gold",
    "warehouse",
    "marts",
  ]);
  assert.match(html, /<script type="module" src="\/static\/graph\.js\?v=[0-9a-f]{12}">/);
});

Deno.test("GET /?select= focuses the server-rendered graph, or says why it cannot", async () => {
  const { client } = setup();
  const focused = embeddedJson(
    await (await client.request("/?select=%2Bgold.fraud_summary")).text(),
    "graph-data",
  );
  const keys = focused.focus.map((i: number) => focused.keys[i]);
  assert.ok(keys.includes("landing.orders") && keys.includes("gold.fraud_summary"));
  assert.ok(!keys.includes("marts.dim_dates"));
  const bad = embeddedJson(
    await (await client.request("/?select=gold.fraud")).text(),
    "graph-data",
  );
  assert.equal(bad.focus, null);
  assert.match(bad.focusError, /^Cannot select 'gold.fraud': no such asset/);
});

Deno.test("GET /graph/select and /graph/statuses answer JSON", async () => {
  const { client, data } = setup();
  const selected = await client.request("/graph/select?q=group:warehouse");
  assert.equal((await selected.json()).matched.length, 6);
  const bad = await client.request("/graph/select?q=group:nope");
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error, /no asset is in that group/);
  const statuses = await (await client.request("/graph/statuses")).json();
  const page = embeddedJson(await (await client.request("/")).text(), "graph-data");
  assert.equal(statuses.shape, page.shape);
  assert.equal(statuses.status.length, (await data.graph()).assets.length);
});

Deno.test("GET /assets lists every asset, or a selection, or refuses a bad one", async () => {
  const { client } = setup();
  const all = await (await client.request("/assets")).text();
  assert.equal(all.match(/<tr><td><a href="\/assets\//g)?.length, 41);
  const gold = await (await client.request("/assets?select=group:gold")).text();
  assert.equal(gold.match(/<tr><td><a href="\/assets\//g)?.length, 5);
  const bad = await client.request("/assets?select=%3F%3F");
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /Cannot parse selection term/);
});

Deno.test("GET /assets/:key shows the definition, the RLE health bar and a page of partitions", async () => {
  const { client } = setup();
  const response = await client.request("/assets/gold.fraud_summary");
  assert.equal(response.status, 200);
  const html = await response.text();
  const health = embeddedJson(html, "health-data");
  assert.equal(health.asset, "gold.fraud_summary");
  assert.equal(health.total, 30);
  assert.equal(health.counts.reduce((sum: number, n: number) => sum + n, 0), 30);
  assert.equal(health.codes.length, health.counts.length);
  assert.deepEqual(health.statuses.slice(0, 2), ["running", "failed"]);
  assert.match(html, /<dd>sql<\/dd>/);
  assert.match(html, /href="\/assets\/silver\.orders_enriched" data-ref="silver\.orders_enriched"/);
  assert.match(html, /1–30 of 30, newest first/);
  assert.match(html, /href="\/assets\/gold\.fraud_summary\/partitions\/2026-11-01"/);
  const filtered = await (await client.request("/assets/gold.fraud_summary?status=never")).text();
  assert.match(filtered, /No partitions match\.|of \d+, newest first/);
  assert.equal((await client.request("/assets/gold.fraud_summary?status=purple")).status, 400);
  assert.equal((await client.request("/assets/gold.fraud_summary?offset=-1")).status, 400);
  const missing = await client.request("/assets/gold.nope");
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /Cannot find asset &#39;gold.nope&#39;/);
});

Deno.test("GET /assets/:key of a source shows what it observed", async () => {
  const { client } = setup();
  const html = await (await client.request("/assets/landing.orders")).text();
  assert.match(html, /Kafka partitions|Landed files/);
  assert.doesNotMatch(html, /action="\/actions\/materialize"/);
});

Deno.test("GET /assets/:key/partitions?at=N answers with the partition's page", async () => {
  const { client } = setup();
  const response = await client.request("/assets/gold.fraud_summary/partitions?at=29");
  assert.equal(response.status, 303);
  assert.equal(
    response.headers.get("location"),
    "/assets/gold.fraud_summary/partitions/2026-11-01",
  );
  assert.equal((await client.request("/assets/gold.fraud_summary/partitions?at=30")).status, 404);
  assert.equal((await client.request("/assets/gold.nope/partitions?at=0")).status, 404);
});

Deno.test("GET a partition page links its upstream and downstream partitions", async () => {
  const { client } = setup();
  const html = await (await client.request("/assets/silver.orders_enriched/partitions/2026-10-20"))
    .text();
  assert.match(html, /id="lineage-upstream"/);
  assert.match(html, /href="\/assets\/staging\.orders\/partitions\/2026-10-20"/);
  assert.match(html, /href="\/assets\/gold\.fraud_summary\/partitions\/2026-10-20"/);
  assert.match(html, /href="\/assets\/gold\.user_fraud_scores\/partitions\/2026-10-26"/);
  const model = await client.request("/assets/models.fraud_detector/partitions/-");
  assert.equal(model.status, 200);
  assert.equal(
    (await client.request("/assets/gold.fraud_summary/partitions/1999-01-01")).status,
    404,
  );
});

Deno.test("GET /runs filters by status and asset; a run page shows its steps and log", async () => {
  const { client } = setup();
  const failed = await (await client.request("/runs?status=failed")).text();
  assert.equal(failed.match(/<tr><td><a href="\/runs\//g)?.length, 1);
  const byAsset = await (await client.request("/runs?asset=bronze.orders&limit=3")).text();
  assert.equal(byAsset.match(/<tr><td><a href="\/runs\//g)?.length, 3);
  assert.equal((await client.request("/runs?status=maybe")).status, 400);
  assert.equal((await client.request("/runs?limit=0")).status, 400);
  const run = await (await client.request("/runs/r-000002")).text();
  assert.match(run, /id="run-log"/);
  assert.match(run, /Conversion Error/);
  assert.equal((await client.request("/runs/r-424242")).status, 404);
});

Deno.test("GET /schedules, /sensors, /models and /healthz answer", async () => {
  const { client } = setup();
  assert.match(await (await client.request("/schedules")).text(), /nightly_medallion/);
  assert.match(await (await client.request("/sensors")).text(), /landing_files/);
  assert.match(await (await client.request("/models")).text(), /champion: v3/);
  assert.deepEqual(await (await client.request("/healthz")).json(), { status: "ok" });
});

Deno.test("GET /static/ serves project files, cached for good when versioned", async () => {
  const { client } = setup();
  const html = await (await client.request("/")).text();
  const url = html.match(/src="(\/static\/graph\.js\?v=[0-9a-f]+)"/)![1];
  const script = await client.request(url);
  assert.equal(script.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.match(script.headers.get("cache-control")!, /immutable/);
  const etag = script.headers.get("etag")!;
  await script.body?.cancel();
  const again = await client.request("/static/graph.js", { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
  assert.equal((await client.request("/static/evil.js")).status, 404);
});

Deno.test("the JSON API returns assets, an asset, a partition, runs and a run", async () => {
  const { client } = setup();
  const assets = await (await client.request("/api/assets")).json();
  assert.equal(assets.length, 41);
  const asset = await (await client.request("/api/assets/gold.fraud_summary")).json();
  assert.equal(asset.key, "gold.fraud_summary");
  assert.equal(asset.health.total, 30);
  const partition = await (
    await client.request("/api/assets/gold.fraud_summary/partitions/2026-10-20")
  ).json();
  assert.deepEqual(partition.upstreams.map((r: { asset: string }) => r.asset), [
    "silver.orders_enriched",
  ]);
  const runs = await (await client.request("/api/runs?limit=2")).json();
  assert.deepEqual(runs.map((r: { id: string }) => r.id), ["r-000012", "r-000011"]);
  const run = await (await client.request("/api/runs/r-000002")).json();
  assert.equal(run.status, "failed");
  assert.equal(run.logs.length, run.steps.length);
  const missing = await client.request("/api/assets/gold.nope");
  assert.equal(missing.status, 404);
  assert.match((await missing.json()).error, /^Cannot find asset 'gold.nope'/);
  const noPartition = await client.request("/api/assets/gold.fraud_summary/partitions/x");
  assert.equal(noPartition.status, 404);
  assert.equal((await client.request("/api/runs/r-9")).status, 404);
  assert.equal((await client.request("/api/nothing")).status, 404);
});

Deno.test("POST /actions/materialize with the CSRF token queues a run and shows it", async () => {
  const { client, data } = setup();
  const token = await client.csrfToken();
  const response = await client.post("/actions/materialize", {
    _csrf: token,
    selection: "+gold.fraud_summary",
    from: "2026-10-31",
    to: "2026-11-01",
  });
  assert.equal(response.status, 303);
  const location = response.headers.get("location")!;
  assert.equal(location, "/runs/r-000013");
  const run = (await data.run("r-000013"))!;
  assert.equal(run.selection, "+gold.fraud_summary");
  assert.equal(run.partitions, "2026-10-31..2026-11-01");
  assert.ok(
    run.steps.some((s) => s.asset === "gold.fraud_summary" && s.partition === "2026-11-01"),
  );
});

Deno.test("POST /actions/materialize refuses a bad selection or a reversed range", async () => {
  const { client } = setup();
  const token = await client.csrfToken();
  const bad = await client.post("/actions/materialize", { _csrf: token, selection: "gold.fraud" });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /Cannot select &#39;gold.fraud&#39;: no such asset/);
  const reversed = await client.post("/actions/materialize", {
    _csrf: token,
    selection: "gold.fraud_summary",
    from: "2026-11-01",
    to: "2026-10-01",
  });
  assert.equal(reversed.status, 400);
  assert.match(await reversed.text(), /its start is after its end/);
});

Deno.test("a state change without a CSRF token, with a wrong one, or from another origin is 403", async () => {
  const { client, data } = setup();
  const token = await client.csrfToken();
  const runsBefore = (await data.runs({ limit: 100 })).length;
  const none = await client.post("/actions/materialize", { selection: "gold.fraud_summary" });
  assert.equal(none.status, 403);
  assert.match(await none.text(), /without a valid CSRF token: the request has none/);
  const wrong = await client.post("/actions/materialize", {
    _csrf: `${token}x`,
    selection: "gold.fraud_summary",
  });
  assert.equal(wrong.status, 403);
  const foreign = await client.post("/actions/materialize", {
    _csrf: token,
    selection: "gold.fraud_summary",
  }, { origin: "https://evil.example" });
  assert.equal(foreign.status, 403);
  assert.match(await foreign.text(), /from origin &#39;https:\/\/evil.example&#39;/);
  // Another browser's token does not work with this browser's cookie.
  const other = new Client(setup().app);
  const stolen = await other.post("/actions/materialize", { _csrf: token, selection: "gold.y" });
  assert.equal(stolen.status, 403);
  assert.equal((await data.runs({ limit: 100 })).length, runsBefore);
  // The header works as well as the field, for scripts.
  const viaHeader = await client.post("/actions/materialize", { selection: "gold.fraud_summary" }, {
    "x-csrf-token": token,
  });
  assert.equal(viaHeader.status, 303);
});

Deno.test("POST promote, rollback and cancel call the actions", async () => {
  const { client, data } = setup();
  const token = await client.csrfToken();
  const promoted = await client.post("/actions/promote", {
    _csrf: token,
    model: "models.fraud_detector",
    version: "v2",
    alias: "champion",
  });
  assert.equal(promoted.status, 303);
  assert.equal((await data.models())[0].champion, "v2");
  await client.post("/actions/rollback", {
    _csrf: token,
    model: "models.fraud_detector",
    alias: "champion",
  });
  assert.equal((await data.models())[0].champion, "v3");
  const { runId } = await data.materialize({ selection: "gold.fraud_summary" });
  const cancelled = await client.post("/actions/cancel", { _csrf: token, runId });
  assert.equal(cancelled.headers.get("location"), `/runs/${runId}`);
  assert.equal((await data.run(runId))!.status, "cancelled");
  const again = await client.post("/actions/cancel", { _csrf: token, runId });
  assert.equal(again.status, 400);
  const unknown = await client.post("/actions/promote", {
    _csrf: token,
    model: "models.fraud_detector",
    version: "v9",
    alias: "champion",
  });
  assert.equal(unknown.status, 404);
});

Deno.test("GET /runs/:id/logs/stream sends the log, status changes and the end", async () => {
  const { client, data } = setup();
  const { runId } = await data.materialize({
    selection: "gold.fraud_summary",
    partitions: { from: "2026-11-01", to: "2026-11-01" },
  });
  const response = await client.request(`/runs/${runId}/logs/stream?after=0`);
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const readUntil = async (needle: string) => {
    while (!text.includes(needle)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before '${needle}': ${text}`);
      text += value;
    }
  };
  await readUntil("event: status");
  assert.match(text, /event: log\ndata: .*queued from the UI.*\nid: 1\n/);
  data.startRun(runId);
  await readUntil(`"status":"running"`);
  data.finishRun(runId);
  await readUntil("event: end");
  assert.match(text, /materialized gold\.fraud_summary 2026-11-01/);
  assert.match(text, /event: end\ndata: \{"status":"succeeded"\}/);
  // A reconnect resumes after the last line it saw.
  const resumed = await (await client.request(`/runs/${runId}/logs/stream`, {
    headers: { "last-event-id": "2" },
  })).text();
  assert.doesNotMatch(resumed, /\nid: [12]\n/);
  assert.match(resumed, /\nid: 3\n/);
});

Deno.test("a loopback UI refuses a request for a foreign Host name", async () => {
  const { client } = setup();
  const response = await client.request("/", { headers: { host: "attacker.example:3000" } });
  assert.equal(response.status, 403);
  assert.match(await response.text(), /Cannot answer a request for host/);
  assert.equal((await client.request("/", { headers: { host: "localhost:3000" } })).status, 200);
});

Deno.test("createUiApp refuses a non-loopback host without a token", () => {
  const data = new GeneratedUiData({ assets: "pipeline", partitions: 2, clock: CLOCK });
  assert.throws(
    () => createUiApp({ data, actions: data, host: "0.0.0.0", clock: CLOCK }),
    UiConfigError,
  );
});

Deno.test("off loopback every page needs a login, the API the token, a change the session", async () => {
  const { client, data } = setup("0.0.0.0", TOKEN);
  const page = await client.request("/assets");
  assert.equal(page.status, 303);
  assert.equal(page.headers.get("location"), "/login?next=%2Fassets");
  const api = await client.request("/api/assets");
  assert.equal(api.status, 403);
  assert.match((await api.json()).error, /without logging in/);
  const bearer = await client.request("/api/assets", {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(bearer.status, 200);
  await bearer.body?.cancel();
  const token = await client.csrfToken("/login");
  const change = await client.post("/actions/materialize", {
    _csrf: token,
    selection: "gold.fraud_summary",
  });
  assert.equal(change.status, 403);
  assert.equal((await data.runs({ status: "queued", limit: 10 })).length, 0);
  assert.equal((await client.request("/healthz")).status, 200);
});

Deno.test("off loopback a login with the token sets an HttpOnly SameSite=Strict session", async () => {
  const { client } = setup("0.0.0.0", TOKEN);
  const token = await client.csrfToken("/login");
  const wrong = await client.post("/login", { _csrf: token, token: "not-the-token", next: "/" });
  assert.equal(wrong.status, 403);
  assert.match(await wrong.text(), /the token is not this UI&#39;s SLUICE_UI_TOKEN/);
  const withoutCsrf = await client.post("/login", { token: TOKEN });
  assert.equal(withoutCsrf.status, 403);
  const login = await client.post("/login", { _csrf: token, token: TOKEN, next: "/runs" });
  assert.equal(login.status, 303);
  assert.equal(login.headers.get("location"), "/runs");
  const cookie = login.headers.getSetCookie().find((c) => c.startsWith("sluice_session="))!;
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.equal((await client.request("/runs")).status, 200);
  const materialized = await client.post("/actions/materialize", {
    _csrf: token,
    selection: "gold.fraud_summary",
  });
  assert.equal(materialized.status, 303);
  const logout = await client.post("/logout", { _csrf: token });
  assert.equal(logout.status, 303);
  assert.equal((await client.request("/runs")).status, 303);
});

Deno.test("a login's next never leaves the site", async () => {
  const { client } = setup("0.0.0.0", TOKEN);
  const token = await client.csrfToken("/login");
  const login = await client.post("/login", {
    _csrf: token,
    token: TOKEN,
    next: "//evil.example/",
  });
  assert.equal(login.headers.get("location"), "/");
});

Deno.test("an unknown path is a 404 page, or JSON for the API", async () => {
  const { client } = setup();
  const page = await client.request("/nowhere");
  assert.equal(page.status, 404);
  assert.match(await page.text(), /Cannot find \/nowhere/);
  assert.equal((await client.request("/login")).status, 303);
});

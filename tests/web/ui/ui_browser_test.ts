/// <reference lib="dom" />
// The UI in a real headless Chromium over a served app with generated data: the graph draws,
// search focuses it, a click opens an asset, partition lineage links work both ways, materialize
// from the page runs and the node turns fresh, and changes without CSRF or login are refused.
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import { GeneratedUiData } from "../../../web/ui/generated_ui_data.ts";
import { createUiApp } from "../../../web/ui/ui_app.tsx";
import { artifactDir, launchChromium, needsChromium } from "../../support/chromium.ts";
import { CLOCK } from "./fixtures.ts";

const TOKEN = "a-long-enough-ui-token-for-tests";

interface GraphApi {
  nodeCenter(key: string): { x: number; y: number } | null;
  handle(key: string, part: "upstream" | "downstream"): { x: number; y: number };
  statusOf(key: string): string | null;
  focused(): string[] | null;
  centerOn(key: string): void;
  poll(): Promise<void>;
}

declare const sluiceGraph: GraphApi;

function serve(host: string, token?: string) {
  const data = new GeneratedUiData({ assets: "pipeline", partitions: 30, clock: CLOCK });
  const app = createUiApp({ data, actions: data, host, token, clock: CLOCK, statusPollMs: 0 });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  return { data, server, base: `http://127.0.0.1:${server.addr.port}` };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${artifactDir()}${name}.png` });
}

async function clickAndWait(page: Page, x: number, y: number): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.mouse.click(x, y)]);
}

Deno.test({
  name: "the UI works in headless Chromium on loopback",
  ...needsChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const { data, server, base } = serve("127.0.0.1");
    const chromium = await launchChromium();
    const page = await chromium.browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    page.on("requestfailed", (request) => {
      // An EventSource closed by the page on 'end' reports as aborted; that is not a failure.
      if (!request.url().includes("/logs/stream")) errors.push(`request failed: ${request.url()}`);
    });
    try {
      await t.step("the pipeline's graph draws, every node coloured by its status", async () => {
        await page.goto(`${base}/`, { waitUntil: "load" });
        await page.waitForSelector("body[data-graph-drawn]");
        assert.equal(
          await page.evaluate(() => sluiceGraph.statusOf("gold.fraud_summary")),
          "stale",
        );
        await page.evaluate(() => sluiceGraph.centerOn("silver.orders_enriched"));
        const center = (await page.evaluate(() =>
          sluiceGraph.nodeCenter("silver.orders_enriched")
        ))!;
        // The pixel left of the centre is the node's fill: the tint of its status.
        const { pixel, tint } = await page.evaluate(({ x, y }) => {
          const canvas = document.getElementById("graph-canvas") as HTMLCanvasElement;
          const rect = canvas.getBoundingClientRect();
          const ratio = globalThis.devicePixelRatio;
          const data = canvas.getContext("2d")!.getImageData(
            Math.round((x - rect.left - 60) * ratio),
            Math.round((y - rect.top) * ratio),
            1,
            1,
          ).data;
          const status = sluiceGraph.statusOf("silver.orders_enriched");
          const tint = getComputedStyle(document.documentElement)
            .getPropertyValue(`--status-${status}-bg`).trim();
          return { pixel: [data[0], data[1], data[2]], tint };
        }, center);
        assert.deepEqual(pixel, [1, 3, 5].map((at) => parseInt(tint.slice(at, at + 2), 16)));
        await shot(page, "graph_pipeline");
      });

      await t.step("the search box focuses the graph with the CLI's selection syntax", async () => {
        await page.$eval("#graph-select", (el) => (el as HTMLInputElement).value = "");
        await page.type("#graph-select", "+gold.fraud_summary");
        await page.keyboard.press("Enter");
        await page.waitForFunction(() => sluiceGraph.focused() !== null);
        const focused = (await page.evaluate(() => sluiceGraph.focused()))!;
        assert.ok(focused.includes("landing.orders") && focused.includes("gold.fraud_summary"));
        assert.ok(!focused.includes("marts.fact_orders"));
        assert.match(page.url(), /\?select=%2Bgold\.fraud_summary$/);
        await shot(page, "graph_focused");
        await page.$eval("#graph-select", (el) => (el as HTMLInputElement).value = "");
        await page.type("#graph-select", "gold.nope");
        await page.keyboard.press("Enter");
        await page.waitForSelector("#graph-message.error");
        const message = await page.$eval("#graph-message", (el) => el.textContent);
        assert.match(message!, /^Cannot select 'gold.nope': no such asset/);
      });

      await t.step("a node's upstream handle focuses on it and its upstreams", async () => {
        await page.click("[data-graph-action=clear]");
        await page.waitForFunction(() => sluiceGraph.focused() === null);
        await page.evaluate(() => sluiceGraph.centerOn("gold.fraud_summary"));
        const handle = await page.evaluate(() =>
          sluiceGraph.handle("gold.fraud_summary", "upstream")
        );
        await page.mouse.click(handle.x, handle.y);
        await page.waitForFunction(() => sluiceGraph.focused() !== null);
        const focused = (await page.evaluate(() => sluiceGraph.focused()))!;
        assert.ok(focused.includes("silver.orders_enriched"));
        assert.ok(!focused.includes("warehouse.gold.fraud_summary"));
      });

      await t.step("clicking an asset opens its page with the health bar drawn", async () => {
        await page.evaluate(() => sluiceGraph.centerOn("gold.fraud_summary"));
        const center = (await page.evaluate(() => sluiceGraph.nodeCenter("gold.fraud_summary")))!;
        await clickAndWait(page, center.x - 40, center.y);
        assert.equal(new URL(page.url()).pathname, "/assets/gold.fraud_summary");
        await page.waitForSelector("body[data-health-drawn]");
        assert.match((await page.$eval("h1", (el) => el.textContent))!, /gold\.fraud_summary/);
        await shot(page, "asset_page");
      });

      await t.step("clicking the health bar's last pixel opens the newest partition", async () => {
        const box = (await (await page.$("#health-bar"))!.boundingBox())!;
        await clickAndWait(page, box.x + box.width - 1, box.y + box.height / 2);
        assert.equal(
          new URL(page.url()).pathname,
          "/assets/gold.fraud_summary/partitions/2026-11-01",
        );
      });

      await t.step("a partition's lineage links work both ways", async () => {
        await page.goto(`${base}/assets/gold.fraud_summary/partitions/2026-10-20`);
        await Promise.all([
          page.waitForNavigation(),
          page.click(
            `#lineage-upstream a[href="/assets/silver.orders_enriched/partitions/2026-10-20"]`,
          ),
        ]);
        assert.equal(
          new URL(page.url()).pathname,
          "/assets/silver.orders_enriched/partitions/2026-10-20",
        );
        await shot(page, "partition_page");
        await Promise.all([
          page.waitForNavigation(),
          page.click(
            `#lineage-downstream a[href="/assets/gold.fraud_summary/partitions/2026-10-20"]`,
          ),
        ]);
        assert.equal(
          new URL(page.url()).pathname,
          "/assets/gold.fraud_summary/partitions/2026-10-20",
        );
      });

      await t.step(
        "materialize from the asset page runs, tails its log, and the node turns fresh",
        async () => {
          await page.goto(`${base}/assets/gold.fraud_summary`);
          await page.$eval("input[name=from]", (el) => (el as HTMLInputElement).value = "");
          await page.$eval("input[name=to]", (el) => (el as HTMLInputElement).value = "");
          await Promise.all([page.waitForNavigation(), page.click("#materialize-button")]);
          const runId = new URL(page.url()).pathname.split("/").at(-1)!;
          const run = (await data.run(runId))!;
          assert.equal(run.selection, "gold.fraud_summary");
          assert.ok(run.steps.length > 0);
          data.startRun(runId);
          await page.waitForFunction(() =>
            document.getElementById("run-status")?.textContent === "running"
          );
          data.finishRun(runId);
          await page.waitForSelector("body[data-log-ended]");
          assert.equal(await page.$eval("#run-status", (el) => el.textContent), "succeeded");
          const lines = await page.$$eval(
            "#run-log li",
            (items) => items.map((li) => li.textContent),
          );
          assert.match(lines.at(-1)!, /run succeeded/);
          await shot(page, "run_page");
          await page.goto(`${base}/`);
          await page.waitForSelector("body[data-graph-drawn]");
          assert.equal(
            await page.evaluate(() => sluiceGraph.statusOf("gold.fraud_summary")),
            "fresh",
          );
        },
      );

      await t.step("the open graph page picks up a status change when it polls", async () => {
        assert.notEqual(
          await page.evaluate(() => sluiceGraph.statusOf("gold.revenue_daily")),
          "fresh",
        );
        const { runId } = await data.materialize({ selection: "gold.revenue_daily" });
        data.finishRun(runId);
        await page.evaluate(() => sluiceGraph.poll());
        await page.waitForFunction(() => sluiceGraph.statusOf("gold.revenue_daily") === "fresh");
      });

      await t.step("a state change without the CSRF token is refused with 403", async () => {
        const status = await page.evaluate(async () =>
          (await fetch("/actions/materialize", {
            method: "POST",
            body: new URLSearchParams({ selection: "gold.fraud_summary" }),
          })).status
        );
        assert.equal(status, 403);
        await page.goto(`${base}/assets/gold.fraud_alerts`);
        await page.$eval("input[name=_csrf]", (el) => el.remove());
        const [response] = await Promise.all([
          page.waitForNavigation(),
          page.click("#materialize-button"),
        ]);
        assert.equal(response!.status(), 403);
        assert.match((await page.$eval(".error-box", (el) => el.textContent))!, /CSRF token/);
        await shot(page, "refused_without_csrf");
      });
      assert.deepEqual(errors, []);
    } finally {
      await chromium.close();
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "the UI off loopback asks for the token and refuses changes without it in Chromium",
  ...needsChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { data, server, base } = serve("0.0.0.0", TOKEN);
    const chromium = await launchChromium();
    const page = await chromium.browser.newPage();
    try {
      await page.goto(`${base}/assets/gold.fraud_summary`);
      assert.equal(new URL(page.url()).pathname, "/login");
      const refused = await page.evaluate(async () => {
        const csrf = document.querySelector<HTMLMetaElement>("meta[name=csrf-token]")!.content;
        const response = await fetch("/actions/materialize", {
          method: "POST",
          headers: { "x-csrf-token": csrf },
          body: new URLSearchParams({ selection: "gold.fraud_summary" }),
        });
        return { status: response.status, body: await response.text() };
      });
      assert.equal(refused.status, 403);
      assert.match(refused.body, /without logging in/);
      assert.equal((await data.runs({ status: "queued", limit: 5 })).length, 0);
      await page.type("#token", "not-the-token");
      const [wrong] = await Promise.all([
        page.waitForNavigation(),
        page.click("button[type=submit]"),
      ]);
      assert.equal(wrong!.status(), 403);
      await shot(page, "login_refused");
      await page.type("#token", TOKEN);
      await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
      assert.equal(new URL(page.url()).pathname, "/assets/gold.fraud_summary");
      const cookies = await page.cookies();
      const session = cookies.find((c) => c.name === "sluice_session")!;
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, "Strict");
      await Promise.all([page.waitForNavigation(), page.click("#materialize-button")]);
      assert.match(new URL(page.url()).pathname, /^\/runs\/r-\d+$/);
    } finally {
      await chromium.close();
      await server.shutdown();
    }
  },
});

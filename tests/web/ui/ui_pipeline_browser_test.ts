/// <reference lib="dom" />
// `deno task ui` on the real pipeline, in a real headless Chromium: a fresh SLUICE_HOME with a
// generated day materialized by the CLI, then a second batch landed on that day, then `sluice ui`
// in its own process. The pipeline's graph draws; a click opens an asset; a partition's lineage
// links work both ways; materialize from the page runs the request (no daemon is alive) and the
// node turns fresh; a change without the CSRF token is refused, and off loopback the UI asks
// for the token and refuses changes without it. Screenshots: .sluice/test-artifacts/ui/pipeline_*.
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import { artifactDir, launchChromium, needsChromium } from "../../support/chromium.ts";
import {
  type PipelineHome,
  preparePipelineHome,
  sluice,
  startUiProcess,
} from "../../support/ui_process.ts";

interface GraphApi {
  nodeCenter(key: string): { x: number; y: number } | null;
  statusOf(key: string): string | null;
  centerOn(key: string): void;
}

declare const sluiceGraph: GraphApi;

const TOKEN = "a-long-enough-ui-token-for-tests";

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${artifactDir()}pipeline_${name}.png`, fullPage: true });
}

async function follow(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click(selector)]);
}

Deno.test({
  name: "deno task ui serves the real pipeline in headless Chromium, end to end",
  ...needsChromium(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    let pipeline: PipelineHome | undefined;
    const chromium = await launchChromium();
    try {
      pipeline = await preparePipelineHome(3000);
      const { day, env } = pipeline;
      // A second batch lands on the same day: bronze reads it only when materialized again.
      await sluice(env, "generate", "--events", "300", "--start", day, "--seed", "7");
      const ui = await startUiProcess(env);
      const page = await chromium.browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(String(error)));
      try {
        await t.step("the pipeline's graph draws, coloured by the CLI's statuses", async () => {
          await page.goto(`${ui.url}/`, { waitUntil: "load" });
          await page.waitForSelector("body[data-graph-drawn]");
          assert.equal(
            await page.evaluate(() => sluiceGraph.statusOf("gold.fraud_summary")),
            "fresh",
          );
          assert.equal(
            await page.evaluate(() => sluiceGraph.statusOf("marts.fact_orders")),
            "fresh",
          );
          // The new batch: landing has new data for the day, so bronze is stale.
          assert.equal(await page.evaluate(() => sluiceGraph.statusOf("bronze.orders")), "stale");
          await shot(page, "graph");
        });

        await t.step("clicking an asset opens its page with its health bar", async () => {
          await page.evaluate(() => sluiceGraph.centerOn("gold.fraud_summary"));
          const center = (await page.evaluate(() => sluiceGraph.nodeCenter("gold.fraud_summary")))!;
          await Promise.all([
            page.waitForNavigation({ waitUntil: "load" }),
            page.mouse.click(center.x - 40, center.y),
          ]);
          assert.equal(new URL(page.url()).pathname, "/assets/gold.fraud_summary");
          await page.waitForSelector("body[data-health-drawn]");
          assert.match(await page.$eval("h1", (el) => el.textContent!), /gold\.fraud_summary/);
          // Its columns, read from the newest partition's Parquet, as the SQL names and casts them.
          const columns = await page.$$eval(
            "#columns tbody tr",
            (rows) =>
              rows.map((row) =>
                [...row.querySelectorAll("td")].slice(0, 2).map((td) => td.textContent)
              ),
          );
          assert.deepEqual(columns.slice(0, 6), [
            ["event_date", "DATE"],
            ["shipping_country", "VARCHAR"],
            ["payment_method", "VARCHAR"],
            ["amount_tier", "VARCHAR"],
            ["total_orders", "INTEGER"],
            ["fraud_orders", "INTEGER"],
          ]);
          assert.equal(columns.length, 15);
          assert.deepEqual(columns.at(-1), ["fraud_refunds", "INTEGER"]);
          await shot(page, "asset");
        });

        await t.step("a mart's SQL links each ref to the asset it reads", async () => {
          await page.goto(`${ui.url}/assets/marts.fact_orders`);
          const refs = await page.$$eval(
            "pre.sql a[data-ref]",
            (links) => links.map((a) => [a.textContent, a.getAttribute("href")]),
          );
          const use = "{{ ref('silver.orders_enriched') }}";
          assert.deepEqual(refs.find(([text]) => text === use), [
            "{{ ref('silver.orders_enriched') }}",
            "/assets/warehouse.silver.orders_enriched",
          ]);
        });

        await t.step("a partition's lineage links work both ways", async () => {
          await page.goto(`${ui.url}/assets/silver.orders_enriched/partitions/${day}`);
          await follow(
            page,
            `#lineage-downstream a[href="/assets/gold.fraud_summary/partitions/${day}"]`,
          );
          assert.equal(
            new URL(page.url()).pathname,
            `/assets/gold.fraud_summary/partitions/${day}`,
          );
          await shot(page, "partition");
          await follow(
            page,
            `#lineage-upstream a[href="/assets/silver.orders_enriched/partitions/${day}"]`,
          );
          assert.equal(
            new URL(page.url()).pathname,
            `/assets/silver.orders_enriched/partitions/${day}`,
          );
          const upstreams = await page.$$eval(
            "#lineage-upstream tbody tr td:first-child",
            (cells) => cells.map((cell) => cell.textContent),
          );
          assert.ok(upstreams.includes("staging.orders"), upstreams.join(", "));
        });

        await t.step(
          "materialize from the page runs the request and the node turns fresh",
          async () => {
            await page.goto(`${ui.url}/assets/bronze.orders`);
            await page.$eval(
              "input[name=from]",
              (el, d) => (el as HTMLInputElement).value = d,
              day,
            );
            await page.$eval("input[name=to]", (el, d) => (el as HTMLInputElement).value = d, day);
            await follow(page, "#materialize-button");
            assert.match(new URL(page.url()).pathname, /^\/runs\/req-\d+$/);
            await page.waitForSelector("body[data-log-ended]", { timeout: 120_000 });
            assert.equal(
              await page.$eval("#run-status", (el) => el.textContent),
              "succeeded",
            );
            const lines = await page.$$eval(
              "#run-log li",
              (items) => items.map((li) => li.textContent),
            );
            assert.ok(
              lines.some((line) => line?.includes(`materialized bronze.orders@${day}`)),
              lines.join("\n"),
            );
            const steps = await page.$$eval(
              "#run-steps tbody tr",
              (rows) => rows.map((row) => [...row.cells].slice(0, 3).map((c) => c.textContent)),
            );
            assert.deepEqual(steps, [["bronze.orders", day, "succeeded"]]);
            assert.equal(
              await page.$("form[action='/actions/cancel']"),
              null,
              "no cancel once ended",
            );
            await shot(page, "run");
            await page.goto(`${ui.url}/`);
            await page.waitForSelector("body[data-graph-drawn]");
            assert.equal(await page.evaluate(() => sluiceGraph.statusOf("bronze.orders")), "fresh");
            await page.goto(`${ui.url}/runs`);
            assert.match(await page.$eval("main", (el) => el.textContent!), /req-1/);
          },
        );

        await t.step("a state change without the CSRF token is refused with 403", async () => {
          const status = await page.evaluate(async () =>
            (await fetch("/actions/materialize", {
              method: "POST",
              body: new URLSearchParams({ selection: "gold.fraud_summary" }),
            })).status
          );
          assert.equal(status, 403);
        });
        assert.deepEqual(errors, []);
      } finally {
        const stopped = await ui.stop();
        assert.equal(stopped.code, 0, stopped.stderr);
      }

      await t.step("off loopback the UI will not start without SLUICE_UI_TOKEN", async () => {
        const refused = await startUiProcess({ ...env, HOST: "0.0.0.0" }).then(
          () => assert.fail("the UI started off loopback without a token"),
          (error: Error) => error.message,
        );
        assert.match(refused, /exited 2 before listening/);
        assert.match(refused, /error: Cannot serve the UI on '0\.0\.0\.0' without a token/);
        assert.match(refused, /SLUICE_UI_TOKEN/);
      });

      await t.step(
        "off loopback the UI asks for the token and refuses changes without it",
        async () => {
          const open = await startUiProcess({ ...env, HOST: "0.0.0.0", SLUICE_UI_TOKEN: TOKEN });
          try {
            const page = await chromium.browser.newPage();
            await page.goto(`${open.url}/assets/gold.fraud_summary`);
            assert.equal(new URL(page.url()).pathname, "/login");
            const refused = await page.evaluate(async () => {
              const csrf =
                document.querySelector<HTMLMetaElement>("meta[name=csrf-token]")!.content;
              const response = await fetch("/actions/materialize", {
                method: "POST",
                headers: { "x-csrf-token": csrf },
                body: new URLSearchParams({ selection: "gold.fraud_summary" }),
              });
              return { status: response.status, body: await response.text() };
            });
            assert.equal(refused.status, 403);
            assert.match(refused.body, /without logging in/);
            await page.type("#token", TOKEN);
            await follow(page, "button[type=submit]");
            assert.equal(new URL(page.url()).pathname, "/assets/gold.fraud_summary");
            await shot(page, "logged_in");
          } finally {
            await open.stop();
          }
        },
      );
    } finally {
      await chromium.close();
      await pipeline?.remove();
    }
  },
});

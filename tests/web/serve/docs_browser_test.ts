import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { createServeApp } from "../../../web/serve/app.ts";
import { serveGracefully } from "../../../web/serve/graceful_server.ts";
import { MemoryModelSource } from "../../../web/serve/memory_model_source.ts";
import { ModelHolder } from "../../../web/serve/model_holder.ts";
import { onnxModelLoader } from "../../../web/serve/serving_model.ts";
import { launchChromium, needsChromium } from "../../support/chromium.ts";
import { fixtureSnapshot } from "./_fixture_model.ts";

Deno.test({
  name: "GET /docs renders the API in a real browser with every request kept on this host",
  ...needsChromium(),
  async fn() {
    const holder = new ModelHolder(onnxModelLoader());
    const source = new MemoryModelSource(fixtureSnapshot("v1"));
    await holder.load(source);
    const app = createServeApp({ holder, source, registry: new Registry() });
    const server = serveGracefully(app.fetch, {
      hostname: "127.0.0.1",
      port: 0,
      logger: () => {},
      exitOnSignal: false,
      cleanup: () => holder.close(),
    });
    const origin = `http://127.0.0.1:${server.addr.port}`;
    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage();
      const offHost: string[] = [];
      const errors: string[] = [];
      await page.setRequestInterception(true);
      page.on("request", (request) => {
        if (request.url().startsWith(origin) || request.url().startsWith("data:")) {
          request.continue();
        } else {
          offHost.push(request.url());
          request.abort();
        }
      });
      page.on("pageerror", (error) => errors.push(String(error)));
      await page.goto(`${origin}/docs`, { waitUntil: "networkidle0" });
      await page.waitForSelector(".opblock-summary-path", { timeout: 15_000 });
      const title = await page.$eval(".info .title", (element) => element.textContent ?? "");
      const paths = await page.$$eval(
        ".opblock-summary-path",
        (elements) => elements.map((element) => element.textContent?.trim()),
      );
      assert.match(title, /^Sluice fraud prediction API/);
      for (const path of ["/v1/predict", "/v1/predict/batch", "/v1/model/reload"]) {
        assert.ok(paths.includes(path), `${path} is listed: ${paths.join(", ")}`);
      }
      assert.deepEqual(offHost, [], "the page asked for nothing off this host");
      assert.deepEqual(errors, []);
    } finally {
      await chromium.close();
      await server.stop("test over");
    }
  },
});

// The read-only JSON API: assets, one asset, one partition, runs, one run, in the shapes UiData
// returns (the lead aligns them with the CLI's --json). Unknown keys are 404 with a message.
import { Hono } from "hono";
import { UiNotFoundError } from "./errors.ts";
import { partitionFromSegment } from "./paths.ts";
import { parseRunFilter } from "./query_params.ts";
import type { UiData } from "./ui_data.ts";
import type { UiEnv } from "./ui_env.ts";

const LOG_LINES = 1000;

export function apiRoutes(data: UiData): Hono<UiEnv> {
  const api = new Hono<UiEnv>();
  api.get("/assets", async (c) => c.json((await data.graph()).assets));
  api.get("/assets/:key", async (c) => {
    const key = c.req.param("key");
    const asset = await data.asset(key);
    if (!asset) throw missingAsset(key);
    return c.json({ ...asset, health: await data.partitionHealth(key) });
  });
  api.get("/assets/:key/partitions/:partition", async (c) => {
    const key = c.req.param("key");
    const partition = partitionFromSegment(c.req.param("partition"));
    const detail = await data.partition(key, partition);
    if (detail) return c.json(detail);
    if (!(await data.asset(key))) throw missingAsset(key);
    throw new UiNotFoundError(
      `Cannot find partition '${partition}' of ${key}: the asset has no such partition`,
    );
  });
  api.get("/runs", async (c) => c.json(await data.runs(parseRunFilter(c.req.query()))));
  api.get("/runs/:id", async (c) => {
    const id = c.req.param("id");
    const run = await data.run(id);
    if (!run) throw new UiNotFoundError(`Cannot find run '${id}': no run has that id`);
    return c.json({ ...run, logs: await data.runLogs(id, 0, LOG_LINES) });
  });
  return api;
}

export function missingAsset(key: string): UiNotFoundError {
  return new UiNotFoundError(
    `Cannot find asset '${key}': no asset has that key; the asset list is at /assets`,
  );
}

// The read-only JSON API in the CLI's --json shapes: assets as `assets --json` (one asset as
// `assets KEY --json` gives it, plus its run-length encoded health bar), runs as `runs --json`
// and `runs show ID --json`; a partition in the UI's view shape (the CLI prints none). Unknown
// keys and ids are 404 with a message.
import { Hono } from "hono";
import { UiNotFoundError } from "./errors.ts";
import { partitionFromSegment } from "./paths.ts";
import { parseRunFilter } from "./query_params.ts";
import type { UiData } from "./ui_data.ts";
import type { UiEnv } from "./ui_env.ts";

const LOG_LINES = 1000;

export function apiRoutes(data: UiData): Hono<UiEnv> {
  const api = new Hono<UiEnv>();
  api.get("/assets", async (c) => c.json(await data.assetDocuments()));
  api.get("/assets/:key", async (c) => {
    const key = c.req.param("key");
    const [asset, health] = await Promise.all([
      data.assetDocument(key),
      data.partitionHealth(key),
    ]);
    if (!asset) throw missingAsset(key);
    return c.json({ ...asset, health });
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
  api.get("/runs", async (c) => {
    const filter = parseRunFilter(c.req.query());
    return c.json(await (data.runsDocument?.(filter) ?? data.runs(filter)));
  });
  api.get("/runs/:id", async (c) => {
    const id = c.req.param("id");
    if (data.runDocument) {
      const document = await data.runDocument(id);
      if (!document) throw missingRun(id);
      return c.json(document);
    }
    const run = await data.run(id);
    if (!run) throw missingRun(id);
    return c.json({ ...run, logs: await data.runLogs(id, 0, LOG_LINES) });
  });
  return api;
}

function missingRun(id: string): UiNotFoundError {
  return new UiNotFoundError(`Cannot find run '${id}': no run has that id`);
}

export function missingAsset(key: string): UiNotFoundError {
  return new UiNotFoundError(
    `Cannot find asset '${key}': no asset has that key; the asset list is at /assets`,
  );
}

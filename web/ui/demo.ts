// Serves the UI over generated data, for a look without a pipeline and for the bench:
// `deno run -A web/ui/demo.ts [--assets pipeline|N] [--partitions N] [--big N] [--port N]`.
// Queued runs are worked by a pretend daemon that logs a step a second.
import { parseArgs } from "node:util";
import { GeneratedUiData } from "./generated_ui_data.ts";
import { createUiApp } from "./ui_app.tsx";

const { values } = parseArgs({
  options: {
    assets: { type: "string", default: "pipeline" },
    partitions: { type: "string", default: "365" },
    big: { type: "string" },
    host: { type: "string", default: Deno.env.get("HOST") ?? "127.0.0.1" },
    port: { type: "string", default: Deno.env.get("PORT") ?? "3000" },
  },
});

const clock = { now: () => new Date() };
const data = new GeneratedUiData({
  assets: values.assets === "pipeline" ? "pipeline" : Number(values.assets),
  partitions: Number(values.partitions),
  clock,
  bigAsset: values.big
    ? { key: "bronze.clickstream_hourly", partitions: Number(values.big) }
    : undefined,
});
const app = createUiApp({
  data,
  actions: data,
  host: values.host,
  token: Deno.env.get("SLUICE_UI_TOKEN"),
  clock,
});

// The pretend daemon: starts queued runs, logs a line a second, then finishes them.
setInterval(async () => {
  for (const run of await data.runs({ limit: 20 })) {
    if (run.status === "queued") data.startRun(run.id);
    else if (run.status === "running") {
      const lines = await data.runLogs(run.id, 0, 1000);
      if (lines.length < 5) data.appendLog(run.id, "info", `working (${lines.length})`);
      else data.finishRun(run.id);
    }
  }
}, 1000);

Deno.serve({ hostname: values.host, port: Number(values.port) }, app.fetch);

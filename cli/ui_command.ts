// `sluice ui`: serves the asset lineage web view on HOST:PORT until Ctrl-C or SIGTERM, over the
// instance's store (cli/ui_server.ts). Off loopback, SLUICE_UI_TOKEN is required.
import { parseArgs } from "node:util";
import { RequestError } from "../runtime/errors.ts";
import { loadAutomation } from "../schedules/definitions.ts";
import { type Command, instanceCommand } from "./command.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import type { Instance } from "./instance.ts";
import { startUiServer } from "./ui_server.ts";

export const UI_USAGE = `Usage: sluice ui [--observe-every SECONDS]

Serves the asset lineage web view: the graph coloured by status with the reasons, each asset
and partition with its lineage both ways, history, checks, SQL and logs, runs with their live
log; materialize a selection from the page (it runs in this process).

Environment:
  HOST              address to listen on (default 127.0.0.1; no login on loopback)
  PORT              port (default 3000; 0 picks a free one)
  SLUICE_UI_TOKEN   login token, at least 16 characters; required when HOST is not loopback

Options:
  --observe-every SECONDS   how often sources are asked for new data (default 30; 0: at start only)

With the embedded store (no DATABASE_URL) the UI holds it: stop the UI to run other commands,
or materialize from the page.`;

async function runUi(instance: Instance, args: string[]): Promise<ExitCode> {
  const { values } = parseArgs({
    args,
    options: {
      "observe-every": { type: "string", default: "30" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(UI_USAGE);
    return EXIT.ok;
  }
  const observeSeconds = Number(values["observe-every"]);
  if (!Number.isInteger(observeSeconds) || observeSeconds < 0) {
    throw new RequestError(
      `Cannot use --observe-every ${
        values["observe-every"]
      }: expected a whole number of seconds, 0 or more`,
    );
  }
  const { host, port, token } = instance.config.ui;
  const server = startUiServer(instance, {
    host,
    port,
    token,
    observeEveryMs: observeSeconds * 1000,
    automation: await loadAutomation(),
  });
  console.log(`Sluice UI on ${server.url} (Ctrl-C stops it)`);
  const stop = Promise.withResolvers<void>();
  const signals = ["SIGINT", "SIGTERM"] as const;
  for (const signal of signals) Deno.addSignalListener(signal, stop.resolve);
  try {
    await stop.promise;
    instance.log.info("ui: stopping (runs started here are cancelled)");
    await server.close();
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, stop.resolve);
  }
  return EXIT.ok;
}

export const uiCommand: Command = instanceCommand({
  name: "ui",
  summary: "serve the asset lineage web view (graph, assets, partitions, runs)",
  usage: UI_USAGE,
  run: runUi,
});

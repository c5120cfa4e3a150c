// `sluice runs`: the run queue and its history (each request with its run's status, and the runs
// no request started: `materialize`, `ingest`), one request or run in detail (`runs show ID` or
// `runs ID`: its run's steps and log), `runs cancel ID`, `runs enqueue` (a range
// of days split into requests several daemons share) and `runs daemons`. `--json` prints the
// shapes the UI serves.
import { parseArgs } from "node:util";
import { splitBackfill } from "../runtime/automation/backfill.ts";
import { daemonView, runReason } from "../runtime/automation/automation_views.ts";
import {
  runDocument,
  RUNS_STATUSES,
  runsDocument,
  type RunsStatus,
} from "../runtime/automation/run_documents.ts";
import { RequestError } from "../runtime/errors.ts";
import { resolveSelection } from "../runtime/graph/selection.ts";
import { displayPartition } from "../runtime/partitions/partition_key.ts";
import { parsePartitionSelection } from "../runtime/partitions/partition_selection.ts";
import type { MetadataStore, RunRequestId } from "../runtime/store/metadata_store.ts";
import { type Command, instanceCommand } from "./command.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import type { Instance } from "./instance.ts";
import { formatDuration, renderTable } from "./table.ts";
import { clip, formatWhen } from "./time_text.ts";

export const RUNS_USAGE = `Usage: sluice runs [--status S,S] [--limit N] [--json]
       sluice runs [show] ID [--json]
       sluice runs cancel ID
       sluice runs enqueue [SELECTION...] [--partition P | A..B] [--force] [--chunk-days N]
                           [--tag KEY=VALUE]... [--json]
       sluice runs daemons [--json]

The run queue and its history, newest first: each request (from a schedule, a sensor,
automation, the UI or the CLI) with its status and its run's, then the runs no request started
(\`deno task materialize\`, \`ingest\`: running, succeeded, failed, cancelled, or abandoned
with the reason). 'show' prints a request with its run's steps and log (an ID that is a run id
shows that run). 'cancel' ends a queued request or asks the daemon
running it to stop. 'enqueue' queues a materialization for the daemons; a range of days is
split into requests of --chunk-days days (default 1), so several daemons share a backfill.
'daemons' lists the live daemons.`;

async function runRuns(instance: Instance, args: string[]): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      status: { type: "string" },
      limit: { type: "string", default: "30" },
      partition: { type: "string" },
      force: { type: "boolean", default: false },
      "chunk-days": { type: "string", default: "1" },
      tag: { type: "string", multiple: true, default: [] },
    },
  });
  const [action, ...rest] = positionals;
  const json = values.json ?? false;
  switch (action) {
    case undefined:
    case "list":
      return await listRequests(instance.store, {
        json,
        statuses: parseStatuses(values.status),
        limit: wholeNumber("--limit", values.limit!),
        now: instance.clock.now(),
      });
    case "show":
      return await showRequest(instance.store, single(rest, "show"), json, instance.clock.now());
    case "cancel":
      return await cancelRequest(instance.store, single(rest, "cancel"));
    case "daemons":
      return await listDaemons(instance.store, json, instance.clock.now());
    case "enqueue":
      return await enqueue(instance, rest, {
        json,
        partitions: values.partition,
        force: values.force ?? false,
        chunkDays: wholeNumber("--chunk-days", values["chunk-days"]!),
        tags: parseTags(values.tag ?? []),
      });
    default:
      // `runs 42` or `runs 20261201-020000-1a2b3c4d`: an id alone is `runs show ID`.
      if (rest.length === 0 && /^\d[\w-]*$/.test(action)) {
        return await showRequest(instance.store, action, json, instance.clock.now());
      }
      throw new RequestError(
        `Cannot read 'runs ${positionals.join(" ")}': expected 'runs', 'runs show ID', ` +
          "'runs cancel ID', 'runs enqueue SELECTION' or 'runs daemons'",
      );
  }
}

async function listRequests(
  store: MetadataStore,
  options: {
    json: boolean;
    statuses: RunsStatus[] | undefined;
    limit: number;
    /** What the times count from: the command's clock. */
    now: Date;
  },
): Promise<ExitCode> {
  const document = await runsDocument(store, {
    statuses: options.statuses,
    limit: options.limit,
  });
  if (options.json) {
    console.log(JSON.stringify(document, null, 2));
    return EXIT.ok;
  }
  const { requests: views, runs, daemons, queued, running } = document;
  const depth = { queued, running };
  const now = options.now;
  if (views.length === 0) {
    console.log(
      options.statuses === undefined
        ? "The run queue is empty: `deno task runs enqueue SELECTION` queues a run."
        : `No request is ${options.statuses.join(" or ")}.`,
    );
  } else {
    console.log(renderTable(
      ["ID", "STATUS", "ORIGIN", "SELECTION", "PARTITIONS", "RUN", "CREATED", "MESSAGE"],
      views.map((v) => [
        v.id,
        v.status + (v.cancel_requested && v.status === "running" ? " (cancelling)" : ""),
        v.origin_name && v.origin !== "automation" ? `${v.origin}:${v.origin_name}` : v.origin,
        clip(v.kind === "vacuum" ? "(vacuum)" : v.selection || "*", 36),
        v.partitions ?? "all",
        v.run ? `${v.run.id} ${v.run.status}` : "-",
        formatWhen(v.created_at, now),
        clip(v.message, 60),
      ]),
    ));
  }
  if (runs.length > 0) {
    console.log("\nRuns no request started:");
    console.log(renderTable(
      ["RUN", "STATUS", "ORIGIN", "SELECTION", "PARTITIONS", "STARTED", "ENDED", "REASON"],
      runs.map((r) => [
        r.id,
        r.status,
        r.origin,
        clip(r.selection || "*", 36),
        r.partitions,
        formatWhen(r.started_at, now),
        formatWhen(r.finished_at, now),
        clip(r.reason, 60),
      ]),
    ));
  }
  console.log(
    `\n${depth.queued} queued, ${depth.running} running; ${daemons.length} live daemon${
      daemons.length === 1 ? "" : "s"
    }${daemons.length > 0 ? `: ${daemons.map((d) => d.id).join(", ")}` : ""}`,
  );
  return EXIT.ok;
}

async function showRequest(
  store: MetadataStore,
  id: string,
  json: boolean,
  now: Date,
): Promise<ExitCode> {
  const document = await runDocument(store, id);
  if (document === undefined) {
    throw new RequestError(`No run request or run '${id}': see \`deno task runs\` for ids`);
  }
  if (json) {
    console.log(JSON.stringify(document, null, 2));
    return EXIT.ok;
  }
  const { request: view, run, steps, log: logs } = document;
  if (view !== null) {
    const lines: [string, string][] = [
      ["request", `${view.id} ${view.status}${view.cancel_requested ? " (cancel requested)" : ""}`],
      ["kind", view.kind],
      ["origin", view.origin_name ? `${view.origin} ${view.origin_name}` : view.origin],
      ["selection", view.selection || "*"],
      ["partitions", view.partitions ?? "all partitions"],
      ["force", String(view.force)],
      ["tags", Object.entries(view.tags).map(([k, v]) => `${k}=${v}`).join(", ") || "-"],
      ["run key", view.run_key ?? "-"],
      ["created", formatWhen(view.created_at, now)],
      [
        "claimed",
        `${formatWhen(view.claimed_at, now)}${view.claimed_by ? ` by ${view.claimed_by}` : ""}`,
      ],
      ["finished", formatWhen(view.finished_at, now)],
      ["claims", `${view.claims} (re-queued ${view.requeues} time(s) after a daemon died)`],
      ["runs", view.runs.join(", ") || "-"],
      ["message", view.message ?? "-"],
    ];
    for (const [label, value] of lines) console.log(`${label.padEnd(11)}${value}`);
  }
  if (run !== null) {
    console.log(
      `${view === null ? "" : "\n"}Run ${run.id} ${run.status} (${run.command}), started ${
        formatWhen(run.startedAt, now)
      }, ended ${formatWhen(run.finishedAt, now)}`,
    );
    const reason = runReason(run);
    if (reason !== null) {
      console.log(`${run.status === "abandoned" ? "Abandoned" : "Reason"}: ${reason}`);
    }
    if (steps.length > 0) {
      console.log(renderTable(
        ["ASSET", "PARTITION", "STATUS", "ROWS", "DURATION", "REASON"],
        steps.map((s) => [
          s.assetKey,
          displayPartition(s.partition),
          s.status,
          s.rows === undefined ? "" : String(s.rows),
          formatDuration(s.durationMs),
          clip(s.reason, 80),
        ]),
      ));
    }
    for (const event of logs.slice(-20)) {
      console.log(
        `${event.at.toISOString().slice(11, 19)} ${event.level.padEnd(5)} ${event.message}`,
      );
    }
  }
  return EXIT.ok;
}

async function cancelRequest(store: MetadataStore, id: string): Promise<ExitCode> {
  const changed = await store.queue.cancel(id as RunRequestId);
  const request = await store.queue.get(id as RunRequestId);
  if (request === undefined) {
    throw new RequestError(`No run request '${id}': see \`deno task runs\` for ids`);
  }
  if (!changed) {
    throw new RequestError(
      request.cancelRequested && request.status === "running"
        ? `Request ${id} is already being cancelled by ${request.claimedBy}`
        : `Request ${id} already ${request.status}: nothing to cancel`,
    );
  }
  console.log(
    request.status === "cancelled"
      ? `Request ${id} cancelled before it started.`
      : `Cancel requested: ${request.claimedBy} stops request ${id} (run ${
        request.runId ?? "starting"
      }) at its next heartbeat.`,
  );
  return EXIT.ok;
}

async function listDaemons(store: MetadataStore, json: boolean, now: Date): Promise<ExitCode> {
  const daemons = await store.queue.liveDaemons();
  if (json) {
    console.log(JSON.stringify({ daemons: daemons.map(daemonView) }, null, 2));
    return EXIT.ok;
  }
  if (daemons.length === 0) {
    console.log("No live daemon: `deno task daemon` starts one.");
    return EXIT.ok;
  }
  const running = await store.queue.list({ statuses: ["running"], limit: 1000 });
  console.log(renderTable(
    ["DAEMON", "STATUS", "STARTED", "HEARTBEAT", "RUNNING"],
    daemons.map((d) => [
      d.id,
      d.status,
      formatWhen(d.startedAt, now),
      formatWhen(d.heartbeatAt, now),
      `${running.filter((r) => r.daemonId === d.id).length} of ${d.maxRuns}`,
    ]),
  ));
  return EXIT.ok;
}

async function enqueue(
  instance: Instance,
  selectionTerms: readonly string[],
  options: {
    json: boolean;
    partitions: string | undefined;
    force: boolean;
    chunkDays: number;
    tags: Record<string, string>;
  },
): Promise<ExitCode> {
  const selection = selectionTerms.join(",");
  // Checked now, so a typo is an error here and not a failed run later.
  const keys = resolveSelection(instance.graph, selection);
  if (keys.size === 0) throw new RequestError(`Selection '${selection}' matches no asset`);
  if (options.partitions !== undefined) parsePartitionSelection(options.partitions);
  const backfill = crypto.randomUUID().slice(0, 8);
  const requests = splitBackfill(
    {
      kind: "materialize",
      selection,
      partitions: options.partitions,
      force: options.force,
      tags: options.tags,
      origin: "cli",
    },
    options.chunkDays,
    backfill,
  );
  const ids = await instance.store.queue.enqueue(requests);
  const live = await instance.store.queue.liveDaemons();
  if (options.json) {
    console.log(JSON.stringify({ ids, live_daemons: live.length }, null, 2));
    return EXIT.ok;
  }
  console.log(
    requests.length === 1
      ? `Queued request ${ids[0]}: ${selection || "*"} (${options.partitions ?? "all partitions"}).`
      : `Queued ${requests.length} requests ${ids[0]}..${ids.at(-1)} (backfill ${backfill}, ` +
        `${options.chunkDays} day(s) each) over ${options.partitions}.`,
  );
  console.log(
    live.length === 0
      ? "No daemon is running: start one with `deno task daemon`."
      : `${live.length} live daemon(s) will pick ${requests.length === 1 ? "it" : "them"} up.`,
  );
  return EXIT.ok;
}

function single(rest: readonly string[], action: string): string {
  if (rest.length !== 1) {
    throw new RequestError(
      `Cannot read 'runs ${action} ${rest.join(" ")}': expected 'runs ${action} ID'`,
    );
  }
  return rest[0];
}

function parseStatuses(text: string | undefined): RunsStatus[] | undefined {
  if (text === undefined) return undefined;
  const statuses = text.split(",").map((s) => s.trim());
  for (const status of statuses) {
    if (!(RUNS_STATUSES as readonly string[]).includes(status)) {
      throw new RequestError(
        `Cannot use --status ${status}: expected ${RUNS_STATUSES.join(", ")}`,
      );
    }
  }
  return statuses as RunsStatus[];
}

function parseTags(entries: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const entry of entries) {
    const match = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(entry);
    if (!match) {
      throw new RequestError(
        `Cannot use --tag ${entry}: expected KEY=VALUE, like warehouse=publish`,
      );
    }
    tags[match[1]] = match[2];
  }
  return tags;
}

function wholeNumber(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new RequestError(
      `Cannot use ${flag} ${JSON.stringify(text)}: expected a whole number, 1 or more`,
    );
  }
  return Number(text);
}

export const runsCommand: Command = instanceCommand({
  name: "runs",
  summary: "the run queue and history; show, cancel or enqueue a run",
  usage: RUNS_USAGE,
  run: runRuns,
});

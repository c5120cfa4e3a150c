// `sluice assets`: every asset with its status and the reasons, as a table or JSON. Naming
// assets (or a selection) shows each of their partitions.
import { parseArgs } from "node:util";
import type { AnyAsset } from "../runtime/definitions/asset.ts";
import { type ObservedSource, observeSources } from "../runtime/execution/observe.ts";
import { resolveSelection } from "../runtime/graph/selection.ts";
import { describeCounts } from "../runtime/staleness/rollup.ts";
import {
  describeRunRange,
  describeRunReasons,
  statusRuns,
} from "../runtime/staleness/status_runs.ts";
import { readStatuses } from "../runtime/staleness/status_reader.ts";
import type { AssetStatusSummary } from "../runtime/staleness/status_resolver.ts";
import {
  assetDocument,
  assetKindLabel,
  type CheckLine,
  checkLines,
  topReasons,
} from "../runtime/staleness/status_views.ts";
import { RequestError } from "../runtime/errors.ts";
import { type Command, instanceCommand } from "./command.ts";
import type { ExitCode } from "./exit_codes.ts";
import type { Instance } from "./instance.ts";
import { renderTable } from "./table.ts";

export const ASSETS_USAGE = `Usage: sluice assets [SELECTION...] [options]

Lists every asset with its status (fresh, stale, overdue, never, failed, running, waiting)
and why. An asset's status is its most urgent partition's among those that can run; partitions
waiting for data (no upstream has any for them yet) are counted beside it. With a selection,
lists the partitions of the selected assets, newest first, neighbours with the same status and
reasons as one range.

Options:
  --all           with a selection, list every partition on its own line
  --json          machine-readable output (every partition's status when assets are named)
  --sql KEY       print the SQL of a SQL asset as its engine runs it, refs resolved
  --no-observe    do not ask sources for new data first

The CHECKS column gives the latest data-test results of each asset; naming an asset lists
every check with its message and first failing rows.`;

async function runAssets(instance: Instance, args: string[]): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      all: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      sql: { type: "string" },
      "no-observe": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(ASSETS_USAGE);
    return 0;
  }
  const { graph, store } = instance;
  if (values.sql !== undefined) return printSql(instance, values.sql);
  const now = instance.clock.now();
  const selected = resolveSelection(graph, positionals.join(","));
  const observed = new Map<string, ObservedSource>();
  if (!values["no-observe"]) {
    const sources = await observeSources(
      graph,
      graph.withAncestors(selected),
      store,
      instance.resources,
      instance.log,
      now,
    );
    for (const source of sources) observed.set(source.key, source);
  }
  // One read per process: from the statuses the last read persisted, brought up to date.
  const statuses = await readStatuses(graph, store, now);
  const assets = graph.order.filter((key) => selected.has(key)).map((key) => graph.get(key));
  const summaries = assets.map((asset) => statuses.asset(asset.key));
  const detailed = positionals.length > 0;
  const checks = await Promise.all(assets.map((asset) => latestChecks(instance, asset)));

  if (values.json) {
    console.log(
      JSON.stringify(
        assets.map((asset, i) =>
          assetDocument(
            asset,
            summaries[i],
            detailed,
            checks[i],
            observed.get(asset.key)?.metadata,
          )
        ),
        null,
        2,
      ),
    );
    return 0;
  }
  if (detailed) {
    for (const [i, asset] of assets.entries()) {
      printPartitions(asset, summaries[i], values.all);
      printChecks(checks[i]);
    }
    return 0;
  }
  console.log(renderTable(
    ["ASSET", "KIND", "GROUP", "PARTITIONS", "STATUS", "CHECKS", "WHY"],
    assets.map((asset, i) => [
      asset.key,
      assetKindLabel(asset),
      asset.group,
      partitionCounts(summaries[i]),
      summaries[i].status,
      checkSummary(checks[i]),
      asset.kind === "source" && observed.has(asset.key)
        ? describeObservation(observed.get(asset.key)!)
        : [...pendingNotes(asset, observed), topReasons(summaries[i])].filter(Boolean).join("; "),
    ]),
  ));
  return 0;
}

function printPartitions(asset: AnyAsset, summary: AssetStatusSummary, all: boolean): void {
  console.log(
    `${asset.key} (${asset.partitions.describe()})${
      asset.description ? ` — ${asset.description}` : ""
    }`,
  );
  console.log(`${summary.status}: ${describeCounts(summary.counts)}`);
  console.log(renderTable(
    ["PARTITION", "STATUS", "WHY"],
    statusRuns(summary.partitions, { expand: all }).map((run) => [
      describeRunRange(run),
      run.status,
      describeRunReasons(run, asset.partitions),
    ]),
  ));
  console.log();
}

/** "source kafka.orders has new data: 1,200 records not yet in a partition", per lagging source. */
function pendingNotes(asset: AnyAsset, observed: ReadonlyMap<string, ObservedSource>): string[] {
  if (asset.kind !== "asset") return [];
  return asset.deps.flatMap((dep) => {
    const source = observed.get(dep.key);
    return source && source.pendingRecords > 0
      ? [
        `source ${dep.key} has new data: ${
          source.pendingRecords.toLocaleString("en-US")
        } records not yet in a partition`,
      ]
      : [];
  });
}

/** A source's own report, e.g. "observed: days=3 lag_records=1200". */
function describeObservation(source: ObservedSource): string {
  const fields = Object.entries(source.metadata).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return fields.length === 0 ? "" : `observed: ${fields.join(" ")}`;
}

/** "1 fresh, 334 waiting for data"; a lone partition is just "1", its status says the rest. */
function partitionCounts(summary: AssetStatusSummary): string {
  return summary.partitions.size === 1 ? "1" : describeCounts(summary.counts);
}

/** The latest result of every check of every partition of `asset` (none for assets without). */
async function latestChecks(instance: Instance, asset: AnyAsset): Promise<CheckLine[]> {
  if (asset.kind !== "asset" || asset.checks.length === 0) return [];
  return checkLines(await instance.store.checks.latestCheckResults(asset.key));
}

function checkSummary(lines: readonly CheckLine[]): string {
  if (lines.length === 0) return "";
  const failed = lines.filter((l) => !l.passed);
  if (failed.length === 0) return `${lines.length} passed`;
  const names = [
    ...new Set(failed.map((l) => `${l.name}${l.severity === "warn" ? " (warn)" : ""}`)),
  ];
  return `${failed.length} failed: ${names.slice(0, 2).join(", ")}${names.length > 2 ? ", …" : ""}`;
}

function printChecks(lines: readonly CheckLine[]): void {
  if (lines.length === 0) return;
  console.log(renderTable(
    ["PARTITION", "CHECK", "SEVERITY", "RESULT", "MESSAGE"],
    lines.map((l) => [
      l.partition,
      l.name,
      l.severity,
      l.passed ? "passed" : "FAILED",
      l.message,
    ]),
  ));
  for (const l of lines.filter((l) => !l.passed && (l.failingRows?.length ?? 0) > 0)) {
    console.log(`  ${l.name} @ ${l.partition}: first failing rows`);
    for (const row of l.failingRows!) console.log(`    ${JSON.stringify(row)}`);
  }
  console.log();
}

function printSql(instance: Instance, key: string): ExitCode {
  const asset = instance.graph.has(key) ? instance.graph.get(key) : undefined;
  if (asset === undefined || asset.kind !== "asset" || asset.renderSql === undefined) {
    throw new RequestError(
      `No SQL asset '${key}': \`deno task assets\` lists the assets (KIND sql)`,
    );
  }
  console.log(asset.renderSql());
  return 0;
}

export const assetsCommand: Command = instanceCommand({
  name: "assets",
  summary: "list assets with their status and the reasons",
  usage: ASSETS_USAGE,
  run: runAssets,
});

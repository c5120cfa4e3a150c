// `sluice models`: the fraud model's versions with their figures and the champion marked, one
// version in detail (what it learned from), promotion and rollback of the champion, and the
// champion's history. Promotion and rollback are models/promotion.ts, as the UI calls them.
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { RequestError } from "../runtime/errors.ts";
import type { ModelReport, StoredScoreEvaluation } from "../models/model_report.ts";
import {
  CHAMPION,
  findModelVersion,
  FRAUD_DETECTOR_KEY,
  listModelVersions,
  type ModelVersion,
  versionLabel,
} from "../models/model_versions.ts";
import { promoteModel, type PromotionResult, rollbackModel } from "../models/promotion.ts";
import { type Command, instanceCommand } from "./command.ts";
import type { ExitCode } from "./exit_codes.ts";
import type { Instance } from "./instance.ts";
import { renderTable } from "./table.ts";

export const MODELS_USAGE = `Usage: sluice models [list] [--json]
       sluice models show VERSION [--json]
       sluice models promote VERSION [--force] [--reason TEXT]
       sluice models rollback [--reason TEXT]
       sluice models history [--json]

The versions of ${FRAUD_DETECTOR_KEY}, newest first, with their validation figures, the
rules baseline's ROC-AUC on the same day, the gates and the champion (*).

VERSION is a version (the first characters of its materialization id, 4 at least) or a day
YYYY-MM-DD (that day's newest version). Promoting or rolling back moves the champion alias in
one transaction with its history; gold.order_risk_scores then goes stale and is rescored by the
next \`deno task materialize\`.

Options:
  --json          machine-readable output
  --force         promote a version that failed its gates
  --reason TEXT   why, kept in the champion's history`;

async function runModels(instance: Instance, args: string[]): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      force: { type: "boolean", default: false },
      reason: { type: "string" },
    },
  });
  const [action = "list", ...rest] = positionals;
  const store = instance.store;
  const who = { movedBy: mover(), at: instance.clock.now(), reason: values.reason };
  switch (action) {
    case "list":
      expectArguments(action, rest, 0);
      return printList(await listModelVersions(store), values.json!);
    case "show":
      expectArguments(action, rest, 1);
      return printVersion(await findModelVersion(store, rest[0]), values.json!);
    case "promote":
      expectArguments(action, rest, 1);
      return printMove(await promoteModel(store, rest[0], { ...who, force: values.force }));
    case "rollback":
      expectArguments(action, rest, 0);
      return printMove(await rollbackModel(store, who));
    case "history": {
      expectArguments(action, rest, 0);
      const moves = await store.aliases.history(FRAUD_DETECTOR_KEY, CHAMPION, 100);
      if (values.json) {
        console.log(JSON.stringify(moves, null, 2));
        return 0;
      }
      console.log(renderTable(
        ["AT", "FROM", "TO", "BY", "REASON"],
        moves.map((m) => [
          m.at.toISOString(),
          m.from === undefined ? "-" : versionLabel(m.from),
          versionLabel(m.to),
          m.movedBy,
          m.reason,
        ]),
      ));
      return 0;
    }
    default:
      throw new RequestError(
        `Unknown models action '${action}': expected list, show, promote, rollback or history`,
      );
  }
}

function expectArguments(action: string, rest: readonly string[], count: number): void {
  if (rest.length === count) return;
  throw new RequestError(
    count === 0
      ? `'models ${action}' takes no argument: got ${rest.join(" ")}`
      : `'models ${action}' takes a VERSION (see \`deno task models\`)${
        rest.length > count ? `: got ${rest.join(" ")}` : ""
      }`,
  );
}

function mover(): string {
  return `${Deno.env.get("USER") ?? Deno.env.get("USERNAME") ?? "someone"}@${hostname()}`;
}

/** The listing's JSON shape (the UI's JSON API returns the same). */
export function versionJson(version: ModelVersion) {
  const report = version.report;
  return {
    version: version.version,
    materializationId: version.materializationId,
    partition: version.partition,
    committedAt: version.committedAt.toISOString(),
    champion: version.champion,
    trained: report?.trained ?? false,
    ...(report?.notTrained !== undefined && { notTrained: report.notTrained }),
    trainingRows: report?.training.rows ?? null,
    validationDay: report?.validation.day ?? null,
    metrics: report?.metrics ?? null,
    rulesBaseline: report?.rulesBaseline ?? null,
    gates: report?.gates ?? null,
    promotion: report?.promotion ?? null,
  };
}

function printList(versions: readonly ModelVersion[], json: boolean): ExitCode {
  if (json) {
    console.log(JSON.stringify(versions.map(versionJson), null, 2));
    return 0;
  }
  if (versions.length === 0) {
    console.log(
      `No versions of ${FRAUD_DETECTOR_KEY} yet: \`deno task materialize ${FRAUD_DETECTOR_KEY}\` trains one.`,
    );
    return 0;
  }
  console.log(renderTable(
    [
      "VERSION",
      "DAY",
      "ROWS",
      "ROC-AUC",
      "PR-AUC",
      "PRECISION",
      "RECALL",
      "RULES AUC",
      "GATES",
      "",
    ],
    versions.map((v) => {
      const m = v.report?.metrics;
      return [
        v.version,
        v.partition,
        v.report === undefined ? "-" : v.report.training.rows.toLocaleString("en-US"),
        fixed(m?.rocAuc),
        fixed(m?.prAuc),
        fixed(m?.precision),
        fixed(m?.recall),
        fixed(v.report?.rulesBaseline?.rocAuc),
        gateWord(v.report),
        v.champion ? `* ${CHAMPION}` : "",
      ];
    }),
  ));
  return 0;
}

function gateWord(report: ModelReport | undefined): string {
  if (report === undefined) return "-";
  if (!report.trained) return "not trained";
  const failed = report.gates.gates.filter((g) => !g.passed).map((g) => g.name);
  return failed.length === 0 ? "passed" : `failed: ${failed.join(", ")}`;
}

function printVersion(version: ModelVersion, json: boolean): ExitCode {
  const report = version.report;
  if (json) {
    console.log(JSON.stringify(
      { ...versionJson(version), report: report ?? null, inputs: version.inputs },
      null,
      2,
    ));
    return 0;
  }
  console.log(
    `${FRAUD_DETECTOR_KEY} ${version.version} (${version.materializationId}), day ${version.partition}, ` +
      `committed ${version.committedAt.toISOString()}${version.champion ? ", champion" : ""}`,
  );
  if (report === undefined) {
    console.log("No model report in its metadata.");
    return 0;
  }
  const days = report.training.days;
  console.log(
    `Trained on ${report.training.rows.toLocaleString("en-US")} orders ` +
      `(${report.training.positives.toLocaleString("en-US")} fraud) of ${days.length} days` +
      (days.length > 0 ? ` ${days[0]}..${days[days.length - 1]}` : "") +
      `; validated on ${report.validation.day} (${
        report.validation.rows.toLocaleString("en-US")
      } ` +
      `orders, ${report.validation.positives} fraud).`,
  );
  if (!report.trained) console.log(`Not trained: ${report.notTrained}.`);
  if (report.model) {
    console.log(
      `${report.model.trees} trees (best round ${report.model.bestRound} of ${report.model.roundsRun}${
        report.model.stoppedEarly ? ", stopped early" : ""
      }), decision threshold ${report.model.threshold.toFixed(4)}.`,
    );
  }
  console.log();
  console.log(renderTable(
    ["FIGURE", "MODEL", "RULES BASELINE"],
    FIGURES.map(([label, pick]) => [label, pick(report.metrics), pick(report.rulesBaseline)]),
  ));
  console.log();
  console.log(renderTable(
    ["GATE", "RESULT", "DETAIL"],
    report.gates.gates.map((g) => [g.name, g.passed ? "passed" : "FAILED", g.detail]),
  ));
  console.log(report.promotion.detail);
  if (report.importance && report.importance.length > 0) {
    console.log();
    console.log(renderTable(
      ["FEATURE", "GAIN SHARE"],
      report.importance.map((f) => [f.feature, `${(f.importance * 100).toFixed(1)}%`]),
    ));
  }
  console.log();
  console.log("Learned from (partition, data version):");
  for (const input of version.inputs) {
    console.log(`  ${input.assetKey} ${input.partition} ${input.dataVersion}`);
  }
  return 0;
}

type Pick = (e: StoredScoreEvaluation | undefined) => string;

const FIGURES: readonly (readonly [string, Pick])[] = [
  ["ROC-AUC", (e) => fixed(e?.rocAuc)],
  ["PR-AUC", (e) => fixed(e?.prAuc)],
  ["log loss", (e) => fixed(e?.logLoss)],
  ["Brier", (e) => fixed(e?.brier)],
  ["threshold", (e) => fixed(e?.threshold)],
  ["precision", (e) => fixed(e?.precision)],
  ["recall", (e) => fixed(e?.recall)],
  ["true positives", (e) => count(e?.confusion.truePositives)],
  ["false positives", (e) => count(e?.confusion.falsePositives)],
  ["true negatives", (e) => count(e?.confusion.trueNegatives)],
  ["false negatives", (e) => count(e?.confusion.falseNegatives)],
];

function printMove(result: PromotionResult): ExitCode {
  const target = `${result.version.version} (${result.version.partition})`;
  if (result.move === undefined) {
    console.log(`${target} already is the ${CHAMPION}; nothing moved.`);
    return 0;
  }
  console.log(
    `${CHAMPION} of ${FRAUD_DETECTOR_KEY} is now ${target}` +
      `${result.previous === undefined ? "" : `, was ${result.previous}`}: ${result.move.reason}.`,
  );
  console.log(
    "gold.order_risk_scores is stale now; `deno task materialize gold.order_risk_scores+` rescores it.",
  );
  return 0;
}

function fixed(value: number | null | undefined): string {
  return value === null || value === undefined ? "-" : value.toFixed(4);
}

function count(value: number | undefined): string {
  return value === undefined ? "-" : value.toLocaleString("en-US");
}

export const modelsCommand: Command = instanceCommand({
  name: "models",
  summary: "list model versions, show one, promote or roll back the champion",
  usage: MODELS_USAGE,
  run: runModels,
});

import assert from "node:assert/strict";
import onnxProto from "onnx-proto";
import { exportOnnx } from "../../../models/onnx_export.ts";
import {
  ChampionMismatchError,
  checkChampionOnnx,
  probeRows,
} from "../../../web/serve/champion_check.ts";
import { OnnxScorer } from "../../../web/serve/onnx_scorer.ts";
import { fixtureModel, randomModel, shiftedModel } from "./_fixture_model.ts";

const { onnx } = onnxProto;

async function withScorer<T>(
  model = fixtureModel(),
  use: (scorer: OnnxScorer) => Promise<T>,
): Promise<T> {
  const scorer = await OnnxScorer.create(model);
  try {
    return await use(scorer);
  } finally {
    await scorer.release();
  }
}

Deno.test("probeRows() puts values exactly on every split threshold", () => {
  const model = fixtureModel();
  const probes = probeRows(model, 256);
  for (const tree of model.trees) {
    tree.feature.forEach((feature, node) => {
      if (feature < 0) return;
      const hits = [...probes].filter((value, i) =>
        i % 25 === feature && value === Math.fround(tree.threshold[node])
      );
      assert.ok(hits.length > 0, `threshold ${tree.threshold[node]} of feature ${feature}`);
    });
  }
});

Deno.test("checkChampionOnnx() accepts the trainer's export of the same model", async () => {
  const model = randomModel(21, 30, 5);
  const report = await withScorer(
    model,
    (scorer) => checkChampionOnnx(model, exportOnnx(model), scorer),
  );
  assert.equal(report.rows, 64);
  assert.ok(report.maxAbsDiff < 1e-6, `max diff ${report.maxAbsDiff}`);
});

Deno.test("checkChampionOnnx() refuses an ONNX exported from another model", async () => {
  const model = fixtureModel();
  await withScorer(model, (scorer) =>
    assert.rejects(
      () => checkChampionOnnx(model, exportOnnx(shiftedModel(0.5)), scorer),
      (error: Error) =>
        error instanceof ChampionMismatchError &&
        error.message.startsWith(
          "Cannot serve the model as its exported ONNX and its trees disagree: probability differs by",
        ),
    ));
});

Deno.test("checkChampionOnnx() catches an export that splits with <= instead of <", async () => {
  const model = fixtureModel();
  const proto = onnx.ModelProto.decode(exportOnnx(model));
  const modes = proto.graph!.node![0].attribute!.find((attribute) =>
    attribute.name === "nodes_modes"
  )!;
  modes.strings = modes.strings!.map((mode) =>
    new TextDecoder().decode(mode) === "BRANCH_LT" ? new TextEncoder().encode("BRANCH_LEQ") : mode
  );
  const lessOrEqual = onnx.ModelProto.encode(proto).finish();
  await withScorer(
    model,
    (scorer) =>
      assert.rejects(() => checkChampionOnnx(model, lessOrEqual, scorer), ChampionMismatchError),
  );
});

Deno.test("checkChampionOnnx() says so when the bytes are not ONNX", async () => {
  const model = fixtureModel();
  await withScorer(model, (scorer) =>
    assert.rejects(
      () => checkChampionOnnx(model, new TextEncoder().encode("not a model"), scorer),
      (error: Error) =>
        error instanceof ChampionMismatchError &&
        error.message.startsWith("Cannot open the exported ONNX in onnxruntime:"),
    ));
});

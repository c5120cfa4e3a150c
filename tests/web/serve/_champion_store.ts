// Model versions of models.fraud_detector written the way the model asset leaves them, without
// training: model.json and model.onnx in a sealed lake location, committed as a materialization
// of the day, and the champion moved among them as `deno task models` moves it.
import { join } from "node:path";
import { MODEL_FILES } from "../../../models/model_files.ts";
import { CHAMPION, FRAUD_DETECTOR_KEY, versionLabel } from "../../../models/model_versions.ts";
import { exportOnnx } from "../../../models/onnx_export.ts";
import type { TreeModel } from "../../../models/tree_model.ts";
import type { CodeVersion, InputSignature } from "../../../runtime/definitions/version.ts";
import type { Lake } from "../../../runtime/definitions/lake.ts";
import type { PartitionKey } from "../../../runtime/partitions/partition_key.ts";
import type {
  MaterializationId,
  MetadataStore,
  RunId,
} from "../../../runtime/store/metadata_store.ts";

export interface CommittedVersion {
  readonly id: MaterializationId;
  /** As serve and `deno task models` name it. */
  readonly label: string;
  readonly day: string;
  /** Its lake location's URI. */
  readonly location: string;
}

/** Writes `model` as the version of `day` and commits it; the champion does not move. */
export async function commitModelVersion(
  store: MetadataStore,
  lake: Lake,
  model: TreeModel,
  day: string,
  at = new Date(),
): Promise<CommittedVersion> {
  const id = crypto.randomUUID() as MaterializationId;
  const runId = `run-${id}` as RunId;
  const partition = day as PartitionKey;
  const location = await lake.allocate(FRAUD_DETECTOR_KEY, partition, id);
  await Deno.writeTextFile(join(location.dir, MODEL_FILES.model), JSON.stringify(model));
  await Deno.writeFile(join(location.dir, MODEL_FILES.onnx), exportOnnx(model));
  const sealed = await lake.seal(location);
  await store.runs.startRun({
    id: runId,
    command: "materialize",
    selection: FRAUD_DETECTOR_KEY,
    partitions: day,
    host: "test",
    pid: Deno.pid,
    startedAt: at,
  });
  await store.leases.claim(FRAUD_DETECTOR_KEY, partition, runId, "test", 60_000);
  await store.partitions.commitMaterialization({
    id,
    runId,
    assetKey: FRAUD_DETECTOR_KEY,
    partition,
    dataVersion: sealed.dataVersion,
    codeVersion: "serve-test" as CodeVersion,
    inputSignature: "serve-test" as InputSignature,
    location: location.uri,
    rows: 0,
    bytes: sealed.bytes,
    metadata: {},
    inputs: [],
    startedAt: at,
    committedAt: at,
  });
  await store.leases.release(FRAUD_DETECTOR_KEY, partition, runId);
  await store.runs.finishRun(runId, "succeeded", {}, at);
  return { id, label: versionLabel(id), day, location: location.uri };
}

/** Points the champion at `version`, as a promotion by hand does. */
export async function moveChampion(
  store: MetadataStore,
  version: CommittedVersion,
  reason = "promoted by the test",
): Promise<void> {
  await store.aliases.move({
    assetKey: FRAUD_DETECTOR_KEY,
    alias: CHAMPION,
    to: version.id,
    reason,
    movedBy: "test",
    at: new Date(),
  });
}

// The versions of a model asset as people name them: a short materialization id (or its
// partition's day), each with its report, whether it is the champion, and what it learned
// from. Read through the metadata store; shared by `deno task models` and the UI.
import type { AssetKey } from "../runtime/definitions/asset_key.ts";
import type { ConsumedInput } from "../runtime/definitions/version.ts";
import { RequestError } from "../runtime/errors.ts";
import type {
  MaterializationId,
  MaterializationRecord,
  MetadataStore,
} from "../runtime/store/metadata_store.ts";
import { type ModelReport, modelReportOf } from "./model_report.ts";

/** The fraud model's asset key (assets/fraud_detector.ts defines it). */
export const FRAUD_DETECTOR_KEY = "models.fraud_detector" as AssetKey;
/** The alias serving and batch scoring read. */
export const CHAMPION = "champion";

/** How many versions a listing reads at most. */
export const VERSION_LIMIT = 500;

/** A version's name: the first 8 characters of its materialization id, as a short git hash. */
export function versionLabel(id: string): string {
  return id.slice(0, 8);
}

export interface ModelVersion {
  readonly version: string;
  readonly materializationId: MaterializationId;
  /** The day the model was trained for. */
  readonly partition: string;
  readonly committedAt: Date;
  /** Undefined when the metadata holds no report (not written by the model asset). */
  readonly report: ModelReport | undefined;
  readonly champion: boolean;
  /** What it read: the silver partitions (and alerts) with their data versions. */
  readonly inputs: readonly ConsumedInput[];
}

/**
 * The `limit` newest versions of `assetKey`, by the day they were trained for (newest first;
 * versions of one day newest first), the champion marked.
 */
export async function listModelVersions(
  store: MetadataStore,
  assetKey: AssetKey = FRAUD_DETECTOR_KEY,
  limit = VERSION_LIMIT,
): Promise<ModelVersion[]> {
  const [records, champion] = await Promise.all([
    store.partitions.listAssetMaterializations(assetKey, limit),
    store.aliases.current(assetKey, CHAMPION),
  ]);
  return records.map((record) => toVersion(record, champion?.materializationId))
    .sort((a, b) =>
      b.partition.localeCompare(a.partition) || b.committedAt.getTime() - a.committedAt.getTime()
    );
}

/**
 * The version `ref` names: a materialization id, a unique prefix of one (4 characters at least),
 * or a day (`YYYY-MM-DD`: that partition's newest version). RequestError when none or several.
 */
export async function findModelVersion(
  store: MetadataStore,
  ref: string,
  assetKey: AssetKey = FRAUD_DETECTOR_KEY,
): Promise<ModelVersion> {
  const versions = await listModelVersions(store, assetKey);
  const byDay = /^\d{4}-\d{2}-\d{2}$/.test(ref);
  if (!byDay && ref.length < 4) {
    throw new RequestError(
      `Cannot find model version '${ref}': give at least 4 characters of a version, or a day YYYY-MM-DD`,
    );
  }
  const matches = byDay
    ? versions.filter((v) => v.partition === ref).slice(0, 1)
    : versions.filter((v) => v.materializationId.startsWith(ref));
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) {
    throw new RequestError(
      `No version '${ref}' of ${assetKey}: \`deno task models\` lists the ${versions.length} there are`,
    );
  }
  throw new RequestError(
    `Version '${ref}' of ${assetKey} is ambiguous: it begins ${
      matches.map((v) => v.materializationId).slice(0, 3).join(", ")
    }; give more characters`,
  );
}

function toVersion(
  record: MaterializationRecord,
  championId: MaterializationId | undefined,
): ModelVersion {
  return {
    version: versionLabel(record.id),
    materializationId: record.id,
    partition: record.partition,
    committedAt: record.committedAt,
    report: modelReportOf(record.metadata),
    champion: record.id === championId,
    inputs: record.inputs,
  };
}

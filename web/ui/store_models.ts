// The models page over the real platform: each version of a model asset (a materialization with
// its report) with its validation metrics and gates, the champion alias, and the champion's
// feature importance; promotion and rollback move the alias through models/promotion.ts, as
// `deno task models` does.
import type { AssetKey } from "../../runtime/definitions/asset_key.ts";
import { ConcurrentChangeError, RequestError } from "../../runtime/errors.ts";
import type { MetadataStore } from "../../runtime/store/metadata_store.ts";
import { CHAMPION, listModelVersions, type ModelVersion } from "../../models/model_versions.ts";
import { promoteModel, rollbackModel } from "../../models/promotion.ts";
import { UiRequestError } from "./errors.ts";
import type { ModelVersionView, ModelView } from "./ui_data.ts";

/** Versions listed per model. */
const VERSIONS = 50;

export async function modelView(store: MetadataStore, key: AssetKey): Promise<ModelView> {
  const versions = await listModelVersions(store, key, VERSIONS);
  const champion = versions.find((v) => v.champion);
  const explained = champion ?? versions.find((v) => v.report?.importance !== undefined);
  return {
    key,
    champion: champion?.version,
    versions: versions.map(versionView),
    importance: (explained?.report?.importance ?? []).map(({ feature, gain }) => ({
      feature,
      gain,
    })),
  };
}

function versionView(version: ModelVersion): ModelVersionView {
  const metrics = version.report?.metrics;
  const figures: Record<string, number | null | undefined> = {
    roc_auc: metrics?.rocAuc,
    pr_auc: metrics?.prAuc,
    precision: metrics?.precision,
    recall: metrics?.recall,
    log_loss: metrics?.logLoss,
  };
  return {
    version: version.version,
    trainedAt: version.committedAt.toISOString(),
    metrics: Object.fromEntries(
      Object.entries(figures).filter((entry): entry is [string, number] =>
        typeof entry[1] === "number"
      ),
    ),
    gates: version.report?.gates.passed ? "passed" : "failed",
    aliases: version.champion ? [CHAMPION] : [],
  };
}

/** Who moved an alias from the UI, for its history. */
export interface AliasMover {
  readonly movedBy: string;
  readonly at: Date;
}

export async function promoteFromUi(
  store: MetadataStore,
  request: { readonly model: string; readonly version: string; readonly alias: string },
  mover: AliasMover,
): Promise<void> {
  requireChampion(request.alias);
  await refusalsAsRequestErrors(() =>
    promoteModel(store, request.version, {
      ...mover,
      assetKey: request.model as AssetKey,
      reason: "promoted in the UI",
    })
  );
}

export async function rollbackFromUi(
  store: MetadataStore,
  request: { readonly model: string; readonly alias: string },
  mover: AliasMover,
): Promise<void> {
  requireChampion(request.alias);
  await refusalsAsRequestErrors(() =>
    rollbackModel(store, { ...mover, assetKey: request.model as AssetKey })
  );
}

function requireChampion(alias: string): void {
  if (alias !== CHAMPION) {
    throw new UiRequestError(
      `Cannot move alias '${alias}' from the UI: only '${CHAMPION}' is promoted and rolled back here`,
    );
  }
}

/** A refusal the person can act on (a failed gate, a version moved meanwhile) is a 400. */
async function refusalsAsRequestErrors(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (error instanceof RequestError) throw new UiRequestError(error.message);
    if (error instanceof ConcurrentChangeError) {
      throw new UiRequestError(`${error.message}; reload the page to see where it points now`);
    }
    throw error;
  }
}

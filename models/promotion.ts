// Promotion and rollback of a model by hand: one compare-and-set move of the `champion` alias,
// with its reason and who made it, kept in the alias's history. `deno task models` and the UI
// call these; the model asset promotes on its own in its commit (assets/fraud_detector.ts).
import type { AssetKey } from "../runtime/definitions/asset_key.ts";
import { RequestError } from "../runtime/errors.ts";
import type { AliasMove, MetadataStore } from "../runtime/store/metadata_store.ts";
import {
  CHAMPION,
  findModelVersion,
  FRAUD_DETECTOR_KEY,
  type ModelVersion,
  versionLabel,
} from "./model_versions.ts";

export interface PromotionRequest {
  /** Who asks (`user@host`, a UI user), for the alias's history. */
  readonly movedBy: string;
  readonly at: Date;
  readonly assetKey?: AssetKey;
  /** Why, for the history; a default names the action. */
  readonly reason?: string;
}

export interface PromotionResult {
  /** The move made; undefined when the version already was the champion. */
  readonly move: AliasMove | undefined;
  readonly version: ModelVersion;
  /** The champion before, if any. */
  readonly previous: string | undefined;
}

/**
 * Makes `ref` (see findModelVersion) the champion. A version without a model cannot be
 * promoted; one that failed its gates only with `force`. The move is conditional on the
 * champion read here, so two people promoting at once cannot both win unseen
 * (ConcurrentChangeError for the later one).
 */
export async function promoteModel(
  store: MetadataStore,
  ref: string,
  request: PromotionRequest & { readonly force?: boolean },
): Promise<PromotionResult> {
  const assetKey = request.assetKey ?? FRAUD_DETECTOR_KEY;
  const version = await findModelVersion(store, ref, assetKey);
  if (version.report !== undefined && !version.report.trained) {
    throw new RequestError(
      `Cannot promote ${version.version} (${version.partition}): no model was trained (${version.report.notTrained}); pick a trained version from \`deno task models\``,
    );
  }
  if (version.report !== undefined && !version.report.gates.passed && !request.force) {
    throw new RequestError(
      `Cannot promote ${version.version} (${version.partition}): ${version.report.gates.summary}; pass --force to promote it anyway`,
    );
  }
  const current = await store.aliases.current(assetKey, CHAMPION);
  if (current?.materializationId === version.materializationId) {
    return { move: undefined, version, previous: versionLabel(current.materializationId) };
  }
  const move = await store.aliases.move({
    assetKey,
    alias: CHAMPION,
    to: version.materializationId,
    reason: request.reason ?? `promoted by hand${request.force ? " (forced)" : ""}`,
    movedBy: request.movedBy,
    at: request.at,
    expectedFrom: current?.materializationId ?? null,
  });
  return {
    move,
    version,
    previous: current === undefined ? undefined : versionLabel(current.materializationId),
  };
}

/**
 * Points the champion back where it pointed before its latest move (from the alias's history).
 * Conditional on the champion read here, as a promotion is.
 */
export async function rollbackModel(
  store: MetadataStore,
  request: PromotionRequest,
): Promise<PromotionResult> {
  const assetKey = request.assetKey ?? FRAUD_DETECTOR_KEY;
  const [latest] = await store.aliases.history(assetKey, CHAMPION, 1);
  if (latest === undefined || latest.from === undefined) {
    throw new RequestError(
      latest === undefined
        ? `Cannot roll back ${assetKey}: it has no champion yet`
        : `Cannot roll back ${assetKey}: champion ${
          versionLabel(latest.to)
        } is the first it ever had; promote another version instead`,
    );
  }
  const version = await findModelVersion(store, latest.from, assetKey);
  const move = await store.aliases.move({
    assetKey,
    alias: CHAMPION,
    to: latest.from,
    reason: request.reason ?? `rollback from ${versionLabel(latest.to)}`,
    movedBy: request.movedBy,
    at: request.at,
    expectedFrom: latest.to,
  });
  return { move, version, previous: versionLabel(latest.to) };
}

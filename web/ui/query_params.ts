// Query strings read into typed values, each bad value refused with what was expected.
import { UiRequestError } from "./errors.ts";
import {
  ASSET_STATUSES,
  type AssetStatus,
  isAssetStatus,
  isRunStatus,
  RUN_STATUSES,
  type RunFilter,
} from "./ui_data.ts";

export const DEFAULT_RUN_LIMIT = 50;
export const MAX_RUN_LIMIT = 500;

export function parseRunFilter(query: Readonly<Record<string, string>>): RunFilter {
  const status = query.status || undefined;
  if (status !== undefined && !isRunStatus(status)) {
    throw new UiRequestError(
      `Cannot filter runs by status '${status}': expected one of ${RUN_STATUSES.join(", ")}`,
    );
  }
  return {
    status,
    asset: query.asset?.trim() || undefined,
    limit: parseCount("limit", query.limit, DEFAULT_RUN_LIMIT, 1, MAX_RUN_LIMIT),
  };
}

export function parseStatus(value: string | undefined): AssetStatus | undefined {
  if (!value) return undefined;
  if (isAssetStatus(value)) return value;
  throw new UiRequestError(
    `Cannot filter partitions by status '${value}': expected one of ${ASSET_STATUSES.join(", ")}`,
  );
}

/** A whole number in [min, max], or `fallback` when absent. */
export function parseCount(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UiRequestError(
      `Cannot read '${name}' as it must be a whole number from ${min} to ${max}: current value is '${value}'`,
    );
  }
  return n;
}

// Asset keys: dot-separated lowercase names such as `bronze.orders`, a distinct type so a
// bare string is never mistaken for one.
import { DefinitionError } from "../errors.ts";

export type AssetKey = string & { readonly __brand: "AssetKey" };

const ASSET_KEY_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

/** Validates and brands an asset key. */
export function assetKey(value: string): AssetKey {
  if (!ASSET_KEY_PATTERN.test(value)) {
    throw new DefinitionError(
      `Cannot use '${value}' as an asset key: expected dot-separated lowercase names like 'bronze.orders'`,
      value,
    );
  }
  return value as AssetKey;
}

/** The first segment of a key (`bronze` for `bronze.orders`), the default group. */
export function keyPrefix(key: AssetKey): string {
  const dot = key.indexOf(".");
  return dot === -1 ? key : key.slice(0, dot);
}

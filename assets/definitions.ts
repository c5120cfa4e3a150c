// Sluice's own assets: the medallion pipeline from the event sources to gold. The CLI entry
// point hands these to the runtime; the runtime never imports this folder.
import type { Definitions } from "../runtime/definitions.ts";

export function loadDefinitions(): Promise<Definitions> {
  return Promise.resolve({ assets: [] });
}

// What an application hands the runtime: its assets and how to open the resources they use.
// The runtime never imports the application's assets; the entry point passes them in.
import type { AnyAsset } from "./asset.ts";
import type { Resources } from "./resources.ts";

export interface OpenResources {
  readonly resources: Resources;
  close(): Promise<void>;
}

export interface ResourceEnvironment {
  /** Where embedded state lives (`.sluice` by default). */
  readonly home: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface Definitions {
  readonly assets: readonly AnyAsset[];
  /** Opens the resources assets use; called once per command. */
  readonly resources?: (environment: ResourceEnvironment) => Promise<OpenResources>;
}

export type DefinitionsLoader = () => Promise<Definitions>;

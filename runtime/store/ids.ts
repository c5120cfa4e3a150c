// The identities the store hands out: a run, and one materialization of an asset partition.
export type RunId = string & { readonly __brand: "RunId" };
export type MaterializationId = string & { readonly __brand: "MaterializationId" };

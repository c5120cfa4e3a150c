// The resources assets receive through their context. Applications declare theirs by module
// augmentation, as Hono's ContextVariableMap does, so `ctx.resources.duckdb` is typed:
//
//   declare module "./resources.ts" { interface Resources { duckdb: DuckDb } }

// deno-lint-ignore no-empty-interface
export interface Resources {}

/**
 * The resources of an application that opens none. Typed as the full interface because the
 * augmentations an application declares are its promise to provide them; an asset reading one
 * that was not opened fails when it runs, with the property named.
 */
export const NO_RESOURCES = Object.freeze({}) as Resources;

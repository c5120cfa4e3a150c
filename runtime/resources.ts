// The resources assets receive through their context. Applications declare theirs by module
// augmentation, as Hono's ContextVariableMap does, so `ctx.resources.duckdb` is typed:
//
//   declare module "../runtime/resources.ts" { interface Resources { duckdb: DuckDb } }

// deno-lint-ignore no-empty-interface
export interface Resources {}

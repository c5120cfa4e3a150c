// The resources Sluice's assets use, declared on the runtime's Resources by module
// augmentation (so `ctx.resources.landing` is typed), and how a command opens them.
import type { OpenResources, ResourceEnvironment } from "../runtime/definitions.ts";
import { LandingZone } from "../resources/landing/landing_zone.ts";
import type { DuckDb } from "../resources/duckdb/duckdb.ts";
import type { SqlClient } from "../runtime/store/sql_client.ts";

declare module "../runtime/resources.ts" {
  interface Resources {
    /** The local landing zone the generator appends to and bronze reads. */
    landing: LandingZone;
    /** The Postgres warehouse: the metadata database, where gold is published and marts built. */
    warehouse: SqlClient;
    /** A shared DuckDB for publishing, when the application opens one. */
    duckdb?: DuckDb;
  }
}

/** The landing zone is `<SLUICE_HOME>/landing`, where `deno task generate` writes by default. */
export function landingRoot(environment: ResourceEnvironment): string {
  return `${environment.home}/landing`;
}

export function openPipelineResources(environment: ResourceEnvironment): Promise<OpenResources> {
  return Promise.resolve({
    resources: {
      landing: new LandingZone(landingRoot(environment)),
      warehouse: environment.database,
    },
    close: () => Promise.resolve(),
  });
}

// Stage relations of mart builds that will never commit: a build stages its result beside its
// target (`<schema>.<name>__stage_<tag>`) and swaps it in at the commit, so a build that failed
// (a blocking data test, an error) or was killed leaves its stage behind. Each stage is labelled
// with its run; vacuum drops those whose run is no longer running.
import { quoteIdent, type SqlClient } from "../../runtime/sql_client.ts";

const LABEL = "sluice stage of run ";

/** The statement that labels a stage relation with the run that built it. */
export function labelStage(kind: "table" | "view", relation: string, runId: string): string {
  return `comment on ${kind} ${relation} is '${`${LABEL}${runId}`.replaceAll("'", "''")}'`;
}

interface StageRow {
  schema: string;
  name: string;
  kind: "r" | "v";
  comment: string | null;
}

/**
 * Drops every stage relation whose run is not in `activeRuns` (or that carries no run label);
 * with `dryRun` only counts them. Returns how many there were.
 */
export async function dropStaleStages(
  db: SqlClient,
  activeRuns: ReadonlySet<string>,
  dryRun: boolean,
): Promise<number> {
  const rows = await db.query<StageRow>(
    `select n.nspname as schema, c.relname as name, c.relkind::text as kind,
            obj_description(c.oid, 'pg_class') as comment
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'v') and c.relname ~ '__stage_[0-9a-f]{12}$'
     order by 1, 2`,
  );
  const stale = rows.filter((row) => {
    const runId = row.comment?.startsWith(LABEL) ? row.comment.slice(LABEL.length) : undefined;
    return runId === undefined || !activeRuns.has(runId);
  });
  if (!dryRun) {
    for (const row of stale) {
      const relation = `${quoteIdent(row.schema)}.${quoteIdent(row.name)}`;
      // A merge's test view reads its stage: it goes with it.
      await db.exec(`drop ${row.kind === "v" ? "view" : "table"} if exists ${relation} cascade`);
    }
  }
  return stale.length;
}

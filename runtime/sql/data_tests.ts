// Data tests (dbt's generic tests) as asset checks: each test compiles to one SQL query that
// returns the failing rows, in SQL both DuckDB and Postgres run, against whatever relation an
// engine names for the staged output. A test passes when its query returns no row.
import { z } from "zod";
import type { AssetKey } from "../definitions/asset_key.ts";
import { assetKey } from "../definitions/asset_key.ts";
import type {
  AssetCheck,
  CheckContext,
  CheckOutcome,
  CheckSeverity,
} from "../definitions/check.ts";
import { DefinitionError } from "../errors.ts";
import { queryExtent, wrapQueryText } from "./query_text.ts";

const Column = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected a column name");
const Columns = z.union([Column.transform((c) => [c]), z.array(Column).min(1)]);
const Common = {
  name: z.string().min(1).optional(),
  severity: z.enum(["error", "warn"]).optional(),
};

const TestSchema = z.union([
  z.strictObject({ not_null: Columns, ...Common }),
  z.strictObject({ unique: Columns, ...Common }),
  z.strictObject({
    accepted_values: z.strictObject({
      column: Column,
      values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
    }),
    ...Common,
  }),
  z.strictObject({
    relationships: z.strictObject({ column: Column, to: z.string(), field: Column }),
    ...Common,
  }),
  z.strictObject({
    row_count: z.strictObject({
      min: z.number().int().nonnegative().optional(),
      max: z.number().int().nonnegative().optional(),
    }).refine((b) => b.min !== undefined || b.max !== undefined, "expected min, max or both"),
    ...Common,
  }),
  z.strictObject({
    freshness: z.strictObject({ column: Column, max_age_hours: z.number().positive() }),
    ...Common,
  }),
  z.strictObject({
    sql: z.string().min(1),
    name: z.string().min(1),
    severity: Common.severity,
    /**
     * The author's word that the query judges each row on its own (a row fails or passes
     * whatever the other rows hold), so a merge tests only the rows it writes.
     */
    per_row: z.boolean().optional(),
  }),
], {
  error: "expected one of not_null, unique, accepted_values, relationships, row_count, " +
    "freshness, or sql (with a name)",
});

export type DataTestSpec = z.input<typeof TestSchema>;

/** One compiled data test; `upstream` is the asset a relationships test joins, if any. */
export interface DataTest {
  readonly name: string;
  readonly severity: CheckSeverity;
  readonly upstream?: AssetKey;
  /** The SQL that returns the failing rows, given the relations of this output and others. */
  failingRowsSql(relations: TestRelations): string;
}

export interface TestRelations {
  /** The staged output being tested. */
  readonly self: string;
  /** The relation of another asset (a relationships test's target). */
  relationOf(key: AssetKey): string;
  /** The run's clock, for freshness. */
  readonly now: Date;
  /** Set for a merge into a table whose rows have passed these same tests (see MergeRelations). */
  readonly merge?: MergeRelations;
}

/**
 * A merge into an existing table writes a few rows (new or changed) and keeps the rest. When the
 * kept rows passed these same tests at an earlier commit, a blocking test whose verdict on a row
 * depends on that row alone (not_null, accepted_values, a custom test marked per_row) can only
 * fail on a written row, so it reads `written` instead of `self` (the whole would-be table), and
 * so does unique on columns that hold the merge's unique key. Tests whose
 * verdict depends on other rows or relations (row_count, freshness, relationships, custom SQL
 * not marked per_row) and warn tests (their failures were committed) read `self`.
 */
export interface MergeRelations {
  /** The rows the merge inserts or updates, each differing from the target's row of its key. */
  readonly written: string;
  /** The table as committed, before the merge. */
  readonly target: string;
  /** The merge's unique key: a written row replaces the target's row of the same key. */
  readonly uniqueKey: readonly string[];
}

/** Validates the `tests:` list of a header (or code) and compiles each item; `where` names it. */
export function parseDataTests(raw: unknown, where: string): DataTest[] {
  const list = z.array(z.unknown()).safeParse(raw ?? []);
  if (!list.success) throw new DefinitionError(`Cannot read tests of ${where}: expected a list`);
  const tests = list.data.map((item, index) => {
    const parsed = TestSchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
      throw new DefinitionError(
        `Cannot read test ${index + 1} of ${where}${path}: ${issue.message}`,
      );
    }
    return compile(parsed.data, where);
  });
  const seen = new Set<string>();
  for (const test of tests) {
    if (seen.has(test.name)) {
      throw new DefinitionError(
        `Test '${test.name}' of ${where} is declared twice: give one of them a name`,
      );
    }
    seen.add(test.name);
  }
  return tests;
}

type Spec = z.output<typeof TestSchema>;

function compile(spec: Spec, where: string): DataTest {
  const severity: CheckSeverity = spec.severity ?? "error";
  // Rows of a merge's kept part passed a blocking test already; a warn test's failures did not.
  const rowsOf = (relations: TestRelations) =>
    severity === "error" && relations.merge !== undefined
      ? relations.merge.written
      : relations.self;
  if ("not_null" in spec) {
    const cols = spec.not_null;
    return {
      name: spec.name ?? `not_null(${cols.join(", ")})`,
      severity,
      failingRowsSql: (relations) =>
        `SELECT * FROM ${rowsOf(relations)} AS t WHERE ${
          cols.map((c) => `t.${q(c)} IS NULL`).join(" OR ")
        }`,
    };
  }
  if ("unique" in spec) {
    const columns = spec.unique;
    const cols = columns.map(q).join(", ");
    return {
      name: spec.name ?? `unique(${columns.join(", ")})`,
      severity,
      failingRowsSql: (relations) => {
        // Columns holding the whole unique key of a merge: a written row replaces the target's
        // row of its key, so a new duplicate can only be among the written rows. Other columns
        // are counted over the would-be table.
        const merge = severity === "error" ? relations.merge : undefined;
        const onWritten = merge !== undefined && merge.uniqueKey.every((k) => columns.includes(k));
        return `SELECT ${cols}, count(*) AS occurrences FROM ${
          onWritten ? merge.written : relations.self
        } AS t GROUP BY ${cols} HAVING count(*) > 1`;
      },
    };
  }
  if ("accepted_values" in spec) {
    const { column, values } = spec.accepted_values;
    return {
      name: spec.name ?? `accepted_values(${column})`,
      severity,
      failingRowsSql: (relations) =>
        `SELECT * FROM ${rowsOf(relations)} AS t WHERE t.${q(column)} IS NOT NULL AND ` +
        `t.${q(column)} NOT IN (${values.map(literal).join(", ")})`,
    };
  }
  if ("relationships" in spec) {
    const { column, to, field } = spec.relationships;
    const target = assetKey(to);
    return {
      name: spec.name ?? `relationships(${column} -> ${to}.${field})`,
      severity,
      upstream: target,
      failingRowsSql: ({ self, relationOf }) =>
        `SELECT * FROM ${self} AS t WHERE t.${q(column)} IS NOT NULL AND NOT EXISTS ` +
        `(SELECT 1 FROM ${relationOf(target)} AS r WHERE r.${q(field)} = t.${q(column)})`,
    };
  }
  if ("row_count" in spec) {
    const { min, max } = spec.row_count;
    const bounds = [
      min === undefined ? undefined : `count(*) < ${min}`,
      max === undefined ? undefined : `count(*) > ${max}`,
    ].filter((b) => b !== undefined);
    return {
      name: spec.name ?? `row_count(${min ?? ""}..${max ?? ""})`,
      severity,
      failingRowsSql: ({ self }) =>
        `SELECT count(*) AS row_count FROM ${self} AS t HAVING ${bounds.join(" OR ")}`,
    };
  }
  if ("freshness" in spec) {
    const { column, max_age_hours } = spec.freshness;
    return {
      name: spec.name ?? `freshness(${column} < ${max_age_hours}h)`,
      severity,
      failingRowsSql: ({ self, now }) =>
        `SELECT max(t.${q(column)}) AS newest FROM ${self} AS t HAVING max(t.${
          q(column)
        }) IS NULL ` +
        `OR max(t.${q(column)}) < CAST(${literal(now.toISOString())} AS TIMESTAMPTZ) - ` +
        `INTERVAL '${max_age_hours * 3600} seconds'`,
    };
  }
  const custom = spec.sql;
  const extent = queryExtent(custom);
  if (!extent.ok) {
    throw new DefinitionError(
      `Cannot read test '${spec.name}' of ${where}: its sql ${
        extent.problem === "empty" ? "holds no query" : "holds more than one statement"
      }; write one SELECT that returns the failing rows`,
    );
  }
  const perRow = spec.per_row === true;
  return {
    name: spec.name,
    severity,
    failingRowsSql: (relations) =>
      custom.replace(/\{\{\s*this\s*\}\}/g, perRow ? rowsOf(relations) : relations.self),
  };
}

/** What an engine gives a data test: the relations to name and a way to run a query. */
export interface TestSession extends TestRelations {
  all(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** How many failing rows a result keeps for the person reading it. */
export const FAILING_ROWS_KEPT = 5;

/** The tests as asset checks; each opens a session with `open` on the staged output. */
export function dataTestChecks(
  tests: readonly DataTest[],
  open: (ctx: CheckContext) => Promise<TestSession>,
): AssetCheck[] {
  return tests.map((test) => ({
    name: test.name,
    severity: test.severity,
    run: async (ctx) => {
      const session = await open(ctx);
      try {
        return await runDataTest(test, session);
      } finally {
        await session.close();
      }
    },
  }));
}

export async function runDataTest(test: DataTest, session: TestSession): Promise<CheckOutcome> {
  const failing = test.failingRowsSql(session);
  // Custom SQL may end with a comment or a semicolon: the query goes on lines of its own.
  const [{ failing_count }] = await session.all(
    wrapQueryText("SELECT count(*) AS failing_count FROM (", failing, ") AS failing"),
  );
  const count = Number(failing_count);
  if (count === 0) return { passed: true, message: "no failing rows" };
  const rows = await session.all(
    wrapQueryText("SELECT * FROM (", failing, `) AS failing LIMIT ${FAILING_ROWS_KEPT}`),
  );
  return {
    passed: false,
    message: `${count} failing row${count === 1 ? "" : "s"}, first: ${describeRow(rows[0])}`,
    failingRows: rows.map(plain),
    failingCount: count,
  };
}

function describeRow(row: Record<string, unknown> | undefined): string {
  if (row === undefined) return "(none)";
  const text = JSON.stringify(plain(row));
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/** Rows as JSON-safe values: bigints as numbers or strings, dates as ISO strings. */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    out[key] = typeof value === "bigint"
      ? (Number.isSafeInteger(Number(value)) ? Number(value) : value.toString())
      : value instanceof Date
      ? value.toISOString()
      : value;
  }
  return out;
}

function q(column: string): string {
  return `"${column}"`;
}

function literal(value: string | number | boolean): string {
  if (typeof value === "string") return `'${value.replaceAll("'", "''")}'`;
  return String(value);
}

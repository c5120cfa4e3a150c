import assert from "node:assert/strict";
import { MappedSql } from "../../../runtime/sql/mapped_sql.ts";
import {
  normalizeQuery,
  queryExtent,
  wrapQuery,
  wrapQueryText,
} from "../../../runtime/sql/query_text.ts";

/** The query of `sql` as an engine wraps it. */
function query(sql: string): string {
  return normalizeQuery(MappedSql.of(sql)).text;
}

Deno.test("queryExtent() ends a query at its last token, before what trails it", () => {
  const cases: [string, string][] = [
    ["select 1", "select 1"],
    ["select 1\n-- note", "select 1"],
    ["select 1 -- note", "select 1"],
    ["select 1\n/* note\n spanning lines */\n", "select 1"],
    ["select 1;", "select 1"],
    ["select 1 ;  -- the end\n\n", "select 1"],
    ["select 1;;\n/* a */ ;", "select 1"],
    ["\n\n  -- leading note\nselect 1\n\n", "\n\n  -- leading note\nselect 1"],
    ["with x as (select 1 as n)\nselect n from x;\n", "with x as (select 1 as n)\nselect n from x"],
    ["select ';' as s, '--' as d -- note", "select ';' as s, '--' as d"],
    [`select 1 as "a;--b"`, `select 1 as "a;--b"`],
    ["select $$ ; -- $$ as body;", "select $$ ; -- $$ as body"],
    ["select E'it\\'s;' as s; -- c", "select E'it\\'s;' as s"],
    ["select /* a /* nested */ still */ 1 /* end */", "select /* a /* nested */ still */ 1"],
  ];
  for (const [sql, expected] of cases) assert.equal(query(sql), expected, JSON.stringify(sql));
});

Deno.test("queryExtent() refuses a second statement and an empty text", () => {
  assert.deepEqual(queryExtent("select 1;\nselect 2"), { ok: false, problem: "several", at: 10 });
  assert.deepEqual(queryExtent("-- only a note\n;"), { ok: false, problem: "empty" });
  assert.deepEqual(queryExtent("  "), { ok: false, problem: "empty" });
  assert.throws(
    () => query("select 1; drop table x"),
    /Cannot run SQL with more than one statement \(the second starts at 'drop table x'\)/,
  );
});

Deno.test("wrapQuery() puts the query on lines of its own, so a trailing note cannot swallow the wrapper", () => {
  assert.equal(
    wrapQueryText("COPY (", "select 1 -- note\n;", ") TO 'f.parquet'"),
    "COPY (\nselect 1\n) TO 'f.parquet'",
  );
  const wrapped = wrapQuery("create view v as", MappedSql.of("select 1;"), "");
  assert.equal(wrapped.text, "create view v as\nselect 1\n");
});

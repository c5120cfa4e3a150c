import assert from "node:assert/strict";
import { MappedSql } from "../../../runtime/sql/mapped_sql.ts";
import { wrapQuery } from "../../../runtime/sql/query_text.ts";

const BODY = "select amout\nfrom {{ ref('gold.x') }} as g\nwhere d = '{{ partition }}'";

/** The body with its ref rendered as a longer relation and its placeholder filled. */
function rendered(): MappedSql {
  const refStart = BODY.indexOf("{{ ref");
  const refEnd = BODY.indexOf("}}", refStart) + 2;
  const withRef = MappedSql.of(BODY).replace([{
    start: refStart,
    end: refEnd,
    text: "(SELECT * FROM read_parquet(['/lake/a/data.parquet', '/lake/b/data.parquet']))",
  }]);
  const placeholder = withRef.text.indexOf("{{ partition }}");
  return withRef.replace([{
    start: placeholder,
    end: placeholder + "{{ partition }}".length,
    text: "2026-03-04",
  }]);
}

Deno.test("MappedSql maps characters after a longer rendered ref back to the body", () => {
  const sql = rendered();
  const whereAt = sql.text.indexOf("where d");
  assert.equal(sql.originOf(whereAt), BODY.indexOf("where d"));
  assert.equal(sql.originOf(sql.text.indexOf("amout")), BODY.indexOf("amout"));
  // Any character of the rendered ref points at the ref call itself.
  assert.equal(sql.originOf(sql.text.indexOf("/lake/b")), BODY.indexOf("{{ ref"));
  assert.equal(sql.originOf(sql.text.indexOf("2026-03-04") + 3), BODY.indexOf("{{ partition"));
});

Deno.test("MappedSql maps a wrapper's text to the nearest edge of the query", () => {
  const wrapped = wrapQuery("COPY (", MappedSql.of("select 1 +\n-- note"), ") TO 'x'");
  assert.equal(wrapped.text, "COPY (\nselect 1 +\n) TO 'x'");
  assert.equal(wrapped.originOf(0), 0);
  // "at end of input": the suffix maps to the query's last character, the '+'.
  assert.equal(wrapped.originOf(wrapped.text.length - 1), "select 1 +".length - 1);
});

Deno.test("MappedSql.slice() keeps offsets, and an origin may start inside a file", () => {
  const sql = MappedSql.of("abcdef", 100).slice(2, 5);
  assert.equal(sql.text, "cde");
  assert.equal(sql.originOf(0), 102);
  assert.equal(sql.originOf(2), 104);
});

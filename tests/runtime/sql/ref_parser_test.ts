import assert from "node:assert/strict";
import { DefinitionError } from "../../../runtime/errors.ts";
import { extractRefs, renderRefs } from "../../../runtime/sql/ref_parser.ts";

function keys(sql: string): string[] {
  return extractRefs(sql).map((span) => span.key);
}

Deno.test("extractRefs() finds single- and double-quoted refs with inner whitespace", () => {
  assert.deepEqual(
    keys(`select * from ref('bronze.orders') o join ref ( "bronze.payments" ) p using (id)`),
    ["bronze.orders", "bronze.payments"],
  );
});

Deno.test("extractRefs() spans the whole call, including {{ }}", () => {
  const sql = "select * from {{ ref('gold.revenue_daily') }} where x = 1";
  const [span] = extractRefs(sql);
  assert.equal(sql.slice(span.start, span.end), "{{ ref('gold.revenue_daily') }}");
  const bare = "from ref('a.b')";
  const [bareSpan] = extractRefs(bare);
  assert.deepEqual({ ...bareSpan }, { key: "a.b", start: 5, end: 15 });
  assert.deepEqual(keys("from {{ref('a.b')}}"), keys("from ref('a.b')"));
});

Deno.test("extractRefs() ignores refs in line comments", () => {
  assert.deepEqual(keys("-- ref('a.b')\nselect 1 from ref('c.d') -- ref('e.f')"), ["c.d"]);
});

Deno.test("extractRefs() ignores refs in nested block comments", () => {
  assert.deepEqual(
    keys("/* outer /* inner ref('a.b') */ still ref('c.d') */ select * from ref('e.f')"),
    ["e.f"],
  );
});

Deno.test("extractRefs() ignores refs in string literals with '' escapes", () => {
  assert.deepEqual(
    keys("select 'it''s ref(''a.b'')', 'ref(\"c.d\")' from ref('e.f')"),
    ["e.f"],
  );
});

Deno.test("extractRefs() ignores refs in E'' strings with backslash escapes", () => {
  assert.deepEqual(keys("select E'\\' ref(\\'a.b\\')' from ref('c.d')"), ["c.d"]);
  assert.deepEqual(keys("select e'x\\\\' from ref('c.d')"), ["c.d"]);
});

Deno.test("extractRefs() ignores refs in double-quoted identifiers", () => {
  assert.deepEqual(keys(`select "ref('a.b')" as "x""ref('c.d')" from ref('e.f')`), ["e.f"]);
});

Deno.test("extractRefs() ignores refs in $$ and $tag$ dollar-quoted strings", () => {
  assert.deepEqual(
    keys("select $$ ref('a.b') $$, $fn$ ref('c.d') $$ ref('x.y') $fn$ from ref('e.f')"),
    ["e.f"],
  );
});

Deno.test("extractRefs() treats $1 parameters and $ inside identifiers as plain text", () => {
  assert.deepEqual(keys("select $1, a$b$ from ref('c.d') where x = $2"), ["c.d"]);
});

Deno.test("extractRefs() does not take a ref that ends another identifier", () => {
  assert.deepEqual(keys("select myref('a.b'), my_ref('c.d'), s.ref('e.f'), ref('g.h')"), ["g.h"]);
});

Deno.test("extractRefs() leaves a column named ref alone", () => {
  assert.deepEqual(keys("select ref, refs, references from t"), []);
});

Deno.test("extractRefs() finds nothing in SQL without refs", () => {
  assert.deepEqual(keys("select 1"), []);
  assert.deepEqual(keys(""), []);
});

Deno.test("extractRefs() rejects a ref with an invalid key and names the file and key", () => {
  assert.throws(
    () => extractRefs("select 1\nfrom ref('Bronze Orders')", "sql/marts/x.sql"),
    (error: Error) =>
      error instanceof DefinitionError && error.message.includes("ref('Bronze Orders')") &&
      error.message.includes("line 2 of sql/marts/x.sql") &&
      error.message.includes("expected an asset key"),
  );
});

Deno.test("extractRefs() rejects a ref whose argument is not a quoted key", () => {
  assert.throws(
    () => extractRefs("select * from ref(orders)", "a.sql"),
    /Cannot read the ref\(\) at line 1 of a.sql: expected ref\('key'\)/,
  );
});

Deno.test("renderRefs() substitutes each span with the relation for its key", () => {
  const sql = "select * from {{ ref('a.b') }} join ref('c.d') using (id) -- ref('x.y')";
  const rendered = renderRefs(sql, extractRefs(sql), (key) => `"lake"."${key}"`);
  assert.equal(
    rendered,
    `select * from "lake"."a.b" join "lake"."c.d" using (id) -- ref('x.y')`,
  );
});

Deno.test("renderRefs() leaves SQL without spans unchanged", () => {
  assert.equal(renderRefs("select 1", [], () => "never"), "select 1");
});

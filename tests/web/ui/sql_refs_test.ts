import assert from "node:assert/strict";
import { splitSqlRefs } from "../../../web/ui/sql_refs.ts";

Deno.test("splitSqlRefs() finds bare and wrapped refs with either quote", () => {
  const pieces = splitSqlRefs(`select * from {{ ref('a.b') }} join ref("c") using (id)`);
  assert.deepEqual(pieces, [
    { kind: "text", text: "select * from " },
    { kind: "ref", text: "{{ ref('a.b') }}", key: "a.b" },
    { kind: "text", text: " join " },
    { kind: "ref", text: `ref("c")`, key: "c" },
    { kind: "text", text: " using (id)" },
  ]);
});

Deno.test("splitSqlRefs() leaves other functions ending in ref alone", () => {
  assert.deepEqual(splitSqlRefs("select myref('x')"), [{
    kind: "text",
    text: "select myref('x')",
  }]);
});

import assert from "node:assert/strict";
import { UiRequestError } from "../../../web/ui/errors.ts";
import { indexGraph } from "../../../web/ui/graph_index.ts";
import { evaluateSelection } from "../../../web/ui/selection.ts";
import { diamond } from "./fixtures.ts";

const graph = indexGraph(diamond());
const keys = (text: string) => evaluateSelection(graph, text).map((i) => graph.nodes[i].key);

Deno.test("evaluateSelection() selects a key alone", () => {
  assert.deepEqual(keys("silver.x"), ["silver.x"]);
});

Deno.test("evaluateSelection() adds every upstream for +key", () => {
  assert.deepEqual(keys("+silver.x"), [
    "landing.a",
    "landing.b",
    "bronze.a",
    "bronze.b",
    "silver.x",
  ]);
});

Deno.test("evaluateSelection() adds every downstream for key+", () => {
  assert.deepEqual(keys("bronze.a+"), ["bronze.a", "silver.x", "gold.y"]);
});

Deno.test("evaluateSelection() takes groups, tags, tag prefixes, globs and unions", () => {
  assert.deepEqual(keys("group:bronze"), ["bronze.a", "bronze.b"]);
  assert.deepEqual(keys("tag:pii"), ["bronze.b"]);
  assert.deepEqual(keys("tag:tier"), ["silver.x"]);
  assert.deepEqual(keys("landing.*"), ["landing.a", "landing.b"]);
  assert.deepEqual(keys("gold.y, landing.a"), ["landing.a", "gold.y"]);
  assert.equal(keys("*").length, 6);
});

Deno.test("evaluateSelection() suggests the closest key for a typo", () => {
  assert.throws(
    () => evaluateSelection(graph, "silver.y"),
    (error: unknown) =>
      error instanceof UiRequestError &&
      error.message === "Cannot select 'silver.y': no such asset; did you mean 'silver.x'?",
  );
});

Deno.test("evaluateSelection() refuses a malformed term, an empty one, and an empty group", () => {
  assert.throws(() => evaluateSelection(graph, "Silver X"), /Cannot parse selection term/);
  assert.throws(() => evaluateSelection(graph, "a,,b"), /it has an empty term/);
  assert.throws(() => evaluateSelection(graph, " "), /Cannot select with an empty selection/);
  assert.throws(
    () => evaluateSelection(graph, "group:platinum"),
    /no asset is in that group; expected one of 'bronze', 'gold', 'landing', 'silver'/,
  );
});

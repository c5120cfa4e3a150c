import assert from "node:assert/strict";
import { type AnyAsset, defineAsset, defineSource } from "../../../runtime/definitions/asset.ts";
import { RequestError } from "../../../runtime/errors.ts";
import { AssetGraph } from "../../../runtime/graph/asset_graph.ts";
import {
  formatSelection,
  parseSelection,
  resolveSelection,
} from "../../../runtime/graph/selection.ts";

// source.orders -> bronze.orders -> silver.orders_enriched -> gold.revenue_daily -> marts.fact_orders
//                  bronze.payments ->/                      \-> gold.fraud_summary
const sourceOrders = defineSource({
  key: "source.orders",
  observe: () => Promise.resolve({ partitions: new Map() }),
});
const bronzeOrders = asset("bronze.orders", [sourceOrders], ["pii", "tier=bronze"]);
const bronzePayments = asset("bronze.payments", [], ["tier=bronze"]);
const silver = asset("silver.orders_enriched", [bronzeOrders, bronzePayments], ["pii"]);
const revenue = asset("gold.revenue_daily", [silver], ["tier=gold", "finance"]);
const fraud = asset("gold.fraud_summary", [silver], ["tier=gold"]);
const fact = asset("marts.fact_orders", [revenue], [], "marts");
const graph = AssetGraph.build([
  sourceOrders,
  bronzeOrders,
  bronzePayments,
  silver,
  revenue,
  fraud,
  fact,
]);

function asset(key: string, deps: AnyAsset[], tags: string[], group?: string) {
  return defineAsset({
    key,
    deps,
    tags,
    ...(group && { group }),
    materialize: () => Promise.resolve({}),
  });
}

function select(include: string | undefined, exclude?: string): string[] {
  return [...resolveSelection(graph, include, exclude)].sort();
}

Deno.test("resolveSelection() selects every asset when the selection is absent or empty", () => {
  assert.equal(select(undefined).length, 7);
  assert.equal(select("").length, 7);
  assert.equal(select("  ").length, 7);
  assert.equal(select("*").length, 7);
});

Deno.test("resolveSelection() selects a single key", () => {
  assert.deepEqual(select("silver.orders_enriched"), ["silver.orders_enriched"]);
});

Deno.test("resolveSelection() adds every upstream for +key", () => {
  assert.deepEqual(select("+gold.revenue_daily"), [
    "bronze.orders",
    "bronze.payments",
    "gold.revenue_daily",
    "silver.orders_enriched",
    "source.orders",
  ]);
});

Deno.test("resolveSelection() adds every downstream for key+", () => {
  assert.deepEqual(select("silver.orders_enriched+"), [
    "gold.fraud_summary",
    "gold.revenue_daily",
    "marts.fact_orders",
    "silver.orders_enriched",
  ]);
});

Deno.test("resolveSelection() adds both directions for +key+", () => {
  assert.deepEqual(select("+gold.revenue_daily+"), [
    "bronze.orders",
    "bronze.payments",
    "gold.revenue_daily",
    "marts.fact_orders",
    "silver.orders_enriched",
    "source.orders",
  ]);
});

Deno.test("resolveSelection() unions comma-separated terms and ignores whitespace around commas", () => {
  assert.deepEqual(select(" bronze.orders ,  gold.fraud_summary,bronze.orders "), [
    "bronze.orders",
    "gold.fraud_summary",
  ]);
});

Deno.test("resolveSelection() selects by group, defaulting to the key prefix", () => {
  assert.deepEqual(select("group:gold"), ["gold.fraud_summary", "gold.revenue_daily"]);
  assert.deepEqual(select("group:marts"), ["marts.fact_orders"]);
});

Deno.test("resolveSelection() matches tag:name against bare and name=value tags", () => {
  assert.deepEqual(select("tag:tier"), [
    "bronze.orders",
    "bronze.payments",
    "gold.fraud_summary",
    "gold.revenue_daily",
  ]);
  assert.deepEqual(select("tag:tier=gold"), ["gold.fraud_summary", "gold.revenue_daily"]);
  assert.deepEqual(select("tag:pii"), ["bronze.orders", "silver.orders_enriched"]);
});

Deno.test("resolveSelection() matches glob keys, across dots", () => {
  assert.deepEqual(select("bronze.*"), ["bronze.orders", "bronze.payments"]);
  assert.deepEqual(select("*.fraud_*"), ["gold.fraud_summary"]);
});

Deno.test("resolveSelection() expands a group with + in either direction", () => {
  assert.deepEqual(select("group:bronze+"), [
    "bronze.orders",
    "bronze.payments",
    "gold.fraud_summary",
    "gold.revenue_daily",
    "marts.fact_orders",
    "silver.orders_enriched",
  ]);
});

Deno.test("resolveSelection() removes what exclude selects", () => {
  assert.deepEqual(select("+gold.revenue_daily", "group:bronze, source.orders"), [
    "gold.revenue_daily",
    "silver.orders_enriched",
  ]);
  assert.deepEqual(select(undefined, "silver.orders_enriched+,+silver.orders_enriched"), []);
});

Deno.test("resolveSelection() returns keys in topological order", () => {
  const order: string[] = [...resolveSelection(graph, "+marts.fact_orders")];
  assert.ok(order.indexOf("bronze.orders") < order.indexOf("silver.orders_enriched"));
  assert.ok(order.indexOf("gold.revenue_daily") < order.indexOf("marts.fact_orders"));
});

Deno.test("resolveSelection() rejects an unknown key and suggests the closest one", () => {
  assert.throws(
    () => select("bronze.order"),
    (error: Error) =>
      error instanceof RequestError &&
      error.message ===
        "Cannot select 'bronze.order': no such asset; did you mean 'bronze.orders'?",
  );
});

Deno.test("resolveSelection() lists some keys when no key is close to an unknown one", () => {
  assert.throws(
    () => select("zzzzzzzzzzzzzzzzzzzz"),
    (error: Error) =>
      error instanceof RequestError && error.message.includes("'zzzzzzzzzzzzzzzzzzzz'") &&
      error.message.includes("expected one of 'bronze.orders'") &&
      !error.message.includes("did you mean"),
  );
});

Deno.test("resolveSelection() rejects an unknown group or tag and names it", () => {
  assert.throws(() => select("group:gld"), /Cannot select 'group:gld'.*did you mean 'gold'\?/);
  assert.throws(
    () => select("tag:tier=silver"),
    /Cannot select 'tag:tier=silver'.*no asset has that tag/,
  );
  assert.throws(() => select("tag:finanse"), /did you mean 'finance'\?/);
});

Deno.test("resolveSelection() rejects an unknown key in exclude too", () => {
  assert.throws(() => select("*", "gold.revenue"), RequestError);
});

Deno.test("resolveSelection() rejects a glob that matches nothing", () => {
  assert.throws(
    () => select("silver.x*"),
    /Cannot select 'silver.x\*': the pattern matches no asset key/,
  );
});

Deno.test("parseSelection() rejects an empty term", () => {
  assert.throws(
    () => parseSelection("bronze.orders,,gold.fraud_summary"),
    (error: Error) =>
      error instanceof RequestError &&
      error.message.startsWith("Cannot parse selection 'bronze.orders,,gold.fraud_summary'"),
  );
  assert.throws(() => parseSelection("bronze.orders,"), RequestError);
});

Deno.test("parseSelection() rejects malformed terms and names them", () => {
  for (
    const term of ["++x", "x++", "+", "Bronze.Orders", "group:", "tag:", "a b", "bronze..orders"]
  ) {
    assert.throws(
      () => parseSelection(term),
      (error: Error) => error instanceof RequestError && error.message.includes(`'${term}'`),
      term,
    );
  }
});

Deno.test("parseSelection() builds a frozen tree that formats back to the text", () => {
  const selection = parseSelection("+a.b, c+ ,+group:g+,tag:tier=gold,bronze.*,*");
  assert.deepEqual(selection.terms[0], {
    target: { kind: "key", key: "a.b" },
    upstream: true,
    downstream: false,
  });
  assert.equal(selection.terms[2].target.kind, "group");
  assert.equal(selection.terms[4].target.kind, "glob");
  assert.equal(selection.terms[5].target.kind, "all");
  assert.ok(Object.isFrozen(selection) && Object.isFrozen(selection.terms));
  assert.ok(Object.isFrozen(selection.terms[0]) && Object.isFrozen(selection.terms[0].target));
  assert.equal(formatSelection(selection), "+a.b,c+,+group:g+,tag:tier=gold,bronze.*,*");
});

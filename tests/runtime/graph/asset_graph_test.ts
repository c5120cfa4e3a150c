import assert from "node:assert/strict";
import {
  type AnyAsset,
  defineAsset,
  defineSource,
  dep,
} from "../../../runtime/definitions/asset.ts";
import type { AssetKey } from "../../../runtime/definitions/asset_key.ts";
import { DefinitionError } from "../../../runtime/errors.ts";
import { AssetGraph } from "../../../runtime/graph/asset_graph.ts";
import { daily } from "../../../runtime/partitions/daily_partitions.ts";
import type { PartitionsDefinition } from "../../../runtime/partitions/definition.ts";
import { windowDays } from "../../../runtime/partitions/mapping.ts";
import { staticPartitions } from "../../../runtime/partitions/static_partitions.ts";

const k = (key: string) => key as AssetKey;

function asset(key: string, deps: AnyAsset[] = [], partitions?: PartitionsDefinition) {
  return defineAsset({
    key,
    deps,
    ...(partitions && { partitions }),
    materialize: () => Promise.resolve({}),
  });
}

/** An asset whose upstreams are named by key, so tests can build graphs the compiler forbids. */
function byKey(key: string, refs: string[]) {
  return defineAsset({
    key,
    refs: refs.map((ref) => ({ key: ref })),
    materialize: () => Promise.resolve({}),
  });
}

function definitionError(build: () => unknown): DefinitionError {
  try {
    build();
  } catch (error) {
    assert.ok(error instanceof DefinitionError, `expected a DefinitionError, got ${error}`);
    return error;
  }
  assert.fail("expected the build to throw");
}

Deno.test("AssetGraph.build() rejects a duplicate key and names it", () => {
  const error = definitionError(() => AssetGraph.build([asset("a.x"), asset("b.y"), asset("a.x")]));
  assert.equal(error.assetKey, "a.x");
  assert.match(error.message, /Asset 'a\.x' is defined twice/);
});

Deno.test("AssetGraph.build() rejects a missing upstream and names both keys", () => {
  const error = definitionError(() => AssetGraph.build([byKey("gold.x", ["silver.missing"])]));
  assert.equal(error.assetKey, "gold.x");
  assert.match(error.message, /Asset 'gold\.x' depends on 'silver\.missing', which is not defined/);
});

Deno.test("AssetGraph.build() rejects a cycle a -> b -> c -> a and prints it", () => {
  const error = definitionError(() =>
    AssetGraph.build([byKey("a", ["b"]), byKey("b", ["c"]), byKey("c", ["a"])])
  );
  assert.match(error.message, /dependency cycle: a -> b -> c -> a \(each depends on the next\)/);
  assert.equal(error.assetKey, "a");
});

Deno.test("AssetGraph.build() rejects a cycle reached from outside it", () => {
  const error = definitionError(() =>
    AssetGraph.build([byKey("z", ["a"]), byKey("a", ["b"]), byKey("b", ["a"])])
  );
  assert.match(error.message, /a -> b -> a/);
  assert.doesNotMatch(error.message, /z ->/);
});

Deno.test("AssetGraph.build() orders upstreams before downstreams, ties in definition order", () => {
  const graph = AssetGraph.build([
    byKey("gold.b", ["silver.a"]),
    byKey("silver.a", ["bronze.a", "bronze.b"]),
    byKey("bronze.b", []),
    byKey("bronze.a", []),
    byKey("other.x", []),
  ]);
  assert.deepEqual(graph.order, ["bronze.a", "bronze.b", "silver.a", "gold.b", "other.x"]);
  for (const key of graph.order) {
    for (const edge of graph.upstreamEdges(key)) {
      assert.ok(graph.order.indexOf(edge.upstream) < graph.order.indexOf(key));
    }
  }
});

Deno.test("AssetGraph.build() orders a deep chain without overflowing the stack", () => {
  const chain = [byKey("n0", [])];
  for (let i = 1; i < 20_000; i++) chain.push(byKey(`n${i}`, [`n${i - 1}`]));
  const graph = AssetGraph.build([...chain].reverse());
  assert.equal(graph.order[0], "n0");
  assert.equal(graph.order[19_999], "n19999");
});

Deno.test("withAncestors() and withDescendants() follow edges transitively, keys included", () => {
  const graph = AssetGraph.build([
    byKey("a", []),
    byKey("b", ["a"]),
    byKey("c", ["b"]),
    byKey("d", ["b"]),
    byKey("e", []),
  ]);
  assert.deepEqual([...graph.withAncestors([k("c")])].sort(), ["a", "b", "c"]);
  assert.deepEqual([...graph.withDescendants([k("b")])].sort(), ["b", "c", "d"]);
  assert.deepEqual([...graph.withDescendants([k("a"), k("e")])].sort(), ["a", "b", "c", "d", "e"]);
  assert.deepEqual([...graph.withAncestors([k("e")])], ["e"]);
});

Deno.test("AssetGraph.build() gives each edge the default mapping unless one was given", () => {
  const days = daily({ start: "2026-01-01" });
  const source = defineSource({
    key: "source.orders",
    observe: () => Promise.resolve({ partitions: new Map() }),
  });
  const dim = asset("silver.dim");
  const bronze = asset("bronze.orders", [source], days);
  const regions = asset("silver.regions", [], staticPartitions(["eu", "us"]));
  const silver = defineAsset({
    key: "silver.orders",
    partitions: days,
    deps: [bronze, dim, regions],
    materialize: () => Promise.resolve({}),
  });
  const rolling = defineAsset({
    key: "gold.rolling",
    partitions: days,
    deps: [dep(silver, windowDays(7))],
    materialize: () => Promise.resolve({}),
  });
  const summary = asset("gold.summary", [silver]);
  const graph = AssetGraph.build([source, dim, bronze, regions, silver, rolling, summary]);
  const mappings = (key: string) =>
    Object.fromEntries(graph.upstreamEdges(k(key)).map((e) => [e.upstream, e.mapping.name]));
  assert.deepEqual(mappings("bronze.orders"), { "source.orders": "identity" });
  assert.deepEqual(mappings("silver.orders"), {
    "bronze.orders": "identity",
    "silver.dim": "identity",
    "silver.regions": "all",
  });
  assert.deepEqual(mappings("gold.rolling"), { "silver.orders": "window(7d)" });
  assert.deepEqual(mappings("gold.summary"), { "silver.orders": "all" });
  assert.deepEqual(graph.downstreamEdges(k("silver.orders")).map((e) => e.downstream), [
    "gold.rolling",
    "gold.summary",
  ]);
});

Deno.test("get() and definition() name a missing key or a source", () => {
  const source = defineSource({
    key: "source.orders",
    observe: () => Promise.resolve({ partitions: new Map() }),
  });
  const graph = AssetGraph.build([source, asset("bronze.orders", [source])]);
  assert.equal(graph.size, 2);
  assert.ok(graph.has("bronze.orders"));
  assert.ok(!graph.has("bronze.nothing"));
  assert.equal(graph.definition(k("bronze.orders")).key, "bronze.orders");
  assert.throws(() => graph.get(k("bronze.nothing")), /No asset 'bronze\.nothing'/);
  assert.throws(
    () => graph.definition(k("source.orders")),
    /'source\.orders' is an observable source/,
  );
});

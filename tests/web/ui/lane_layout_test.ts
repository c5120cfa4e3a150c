import assert from "node:assert/strict";
import { GeneratedUiData } from "../../../web/ui/generated_ui_data.ts";
import { indexGraph } from "../../../web/ui/graph_index.ts";
import { graphPayload, graphStatuses, LayoutCache } from "../../../web/ui/graph_view.ts";
import { layoutLanes, NODE_HEIGHT, NODE_WIDTH } from "../../../web/ui/lane_layout.ts";
import { CLOCK, diamond, node } from "./fixtures.ts";

Deno.test("layoutLanes() orders lanes by the flow between groups", () => {
  const layout = layoutLanes(indexGraph(diamond().reverse()));
  assert.deepEqual(layout.lanes.map((lane) => lane.group), ["landing", "bronze", "silver", "gold"]);
});

Deno.test("layoutLanes() puts every node inside its lane, right of its upstreams", () => {
  const graph = indexGraph(diamond());
  const layout = layoutLanes(graph);
  graph.nodes.forEach((n, i) => {
    const lane = layout.lanes.find((l) => l.group === n.group)!;
    assert.ok(layout.x[i] >= lane.x && layout.x[i] + NODE_WIDTH <= lane.x + lane.width, n.key);
    for (const u of graph.upstreams[i]) assert.ok(layout.x[u] + NODE_WIDTH < layout.x[i], n.key);
  });
});

Deno.test("layoutLanes() gives an in-lane downstream its own column in the lane", () => {
  const graph = indexGraph([node("marts.a"), node("marts.b", ["marts.a"])]);
  const layout = layoutLanes(graph);
  assert.equal(layout.lanes.length, 1);
  assert.ok(layout.x[1] > layout.x[0] + NODE_WIDTH);
});

Deno.test("layoutLanes() never overlaps two nodes of 1,000 generated assets", async () => {
  const data = new GeneratedUiData({ assets: 1000, partitions: 2, clock: CLOCK });
  const layout = layoutLanes(indexGraph((await data.graph()).assets));
  const seen = new Set<string>();
  for (let i = 0; i < layout.x.length; i++) {
    const cell = `${layout.x[i]},${Math.round(layout.y[i] / NODE_HEIGHT)}`;
    assert.ok(!seen.has(cell), `two nodes at ${cell}`);
    seen.add(cell);
  }
  // Wrapped, not one tall strip: the picture is wider than tall.
  assert.ok(layout.width > layout.height, `${layout.width} x ${layout.height}`);
});

Deno.test("LayoutCache lays out a shape once and again only when keys, groups or edges change", () => {
  const cache = new LayoutCache();
  const first = indexGraph(diamond());
  cache.get(first);
  const restyled = indexGraph(
    diamond().map((n) => ({ ...n, status: "failed" as const, reasons: ["x"] })),
  );
  assert.equal(restyled.shapeHash, first.shapeHash);
  cache.get(restyled);
  assert.equal(cache.computed, 1);
  const rewired = indexGraph([...diamond(), node("gold.z", ["bronze.a"])]);
  assert.notEqual(rewired.shapeHash, first.shapeHash);
  cache.get(rewired);
  assert.equal(cache.computed, 2);
});

Deno.test("graphPayload() sends statuses and reasons as indexes into shared tables", () => {
  const graph = indexGraph(diamond());
  const payload = graphPayload(graph, layoutLanes(graph));
  const gold = payload.keys.indexOf("gold.y");
  assert.equal(payload.statuses[payload.status[gold]], "stale");
  assert.equal(payload.reasons[payload.reason[gold]], "code version changed");
  assert.equal(payload.reason[payload.keys.indexOf("landing.a")], -1);
  assert.equal(payload.edges.length, 2 * 5);
  assert.deepEqual(graphStatuses(graph).status, payload.status);
});

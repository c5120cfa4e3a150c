// Small graphs and a fixed clock shared by the UI tests.
import type { AssetNode, UiClock } from "../../../web/ui/ui_data.ts";

export const CLOCK: UiClock = { now: () => new Date("2026-11-02T12:00:00Z") };

/** A mutable clock for session expiry tests. */
export class StepClock implements UiClock {
  #ms: number;
  constructor(start = "2026-11-02T12:00:00Z") {
    this.#ms = Date.parse(start);
  }
  now(): Date {
    return new Date(this.#ms);
  }
  advance(ms: number): void {
    this.#ms += ms;
  }
}

export function node(
  key: string,
  upstreams: string[] = [],
  extra: Partial<AssetNode> = {},
): AssetNode {
  return {
    key,
    group: key.split(".")[0],
    kind: "ts",
    tags: [],
    upstreams,
    status: "fresh",
    reasons: [],
    ...extra,
  };
}

/** landing.a -> bronze.a -> silver.x <- bronze.b <- landing.b; silver.x -> gold.y (tag pii). */
export function diamond(): AssetNode[] {
  return [
    node("landing.a", [], { kind: "source" }),
    node("landing.b", [], { kind: "source" }),
    node("bronze.a", ["landing.a"]),
    node("bronze.b", ["landing.b"], { tags: ["pii"] }),
    node("silver.x", ["bronze.a", "bronze.b"], { tags: ["tier=gold"] }),
    node("gold.y", ["silver.x"], { status: "stale", reasons: ["code version changed"] }),
  ];
}

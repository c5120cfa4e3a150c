// @ts-check
/// <reference lib="dom" />
// The graph page's client: draws the layout the server computed on a canvas (only what is on
// screen, text only when it is readable), with zoom, pan, hover reasons, a click to open an
// asset, and selection focus through the server's evaluator. It lays nothing out itself.

/**
 * @typedef {{
 *   shape: string, statuses: string[], status: number[], reason: number[], reasons: string[],
 *   width: number, height: number, nodeWidth: number, nodeHeight: number,
 *   lanes: { group: string, x: number, width: number }[],
 *   keys: string[], groups: string[], x: number[], y: number[], edges: number[],
 *   focus?: number[] | null, focusText?: string, focusError?: string, pollMs?: number
 * }} GraphPayload
 */

/** Width in screen pixels of each end of a node that focuses upstream (left) or downstream. */
const HANDLE = 18;
const MIN_SCALE = 0.01;
const MAX_SCALE = 4;

/** @param {string} id */
function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the graph page has no #${id}`);
  return element;
}

const canvas = /** @type {HTMLCanvasElement} */ (byId("graph-canvas"));
const stage = byId("graph-stage");
const tooltip = byId("graph-tooltip");
const form = /** @type {HTMLFormElement} */ (byId("graph-search"));
const input = /** @type {HTMLInputElement} */ (byId("graph-select"));
const message = byId("graph-message");
const context = canvas.getContext("2d", { alpha: false });
if (!context) throw new Error("the browser gave no 2D canvas context");
const ctx = context;

/** @type {GraphPayload} */
const graph = JSON.parse(byId("graph-data").textContent ?? "{}");
const count = graph.keys.length;
const xs = Float64Array.from(graph.x);
const ys = Float64Array.from(graph.y);
const W = graph.nodeWidth;
const H = graph.nodeHeight;
const hasUpstream = new Uint8Array(count);
const hasDownstream = new Uint8Array(count);
for (let e = 0; e < graph.edges.length; e += 2) {
  hasDownstream[graph.edges[e]] = 1;
  hasUpstream[graph.edges[e + 1]] = 1;
}

const css = getComputedStyle(document.documentElement);
/** @param {string} name */
const cssColor = (name) => css.getPropertyValue(name).trim() || "#888";
const strong = graph.statuses.map((s) => cssColor(`--status-${s}`));
const tint = graph.statuses.map((s) => cssColor(`--status-${s}-bg`));
const laneColors = [cssColor("--lane-a"), cssColor("--lane-b")];
const edgeColor = cssColor("--edge");
const ink = cssColor("--ink");
const muted = cssColor("--muted");
const font = css.getPropertyValue("--font").trim() || "sans-serif";

/** @type {Uint8Array | null} 1 for each node in the focused selection; null when none. */
let focus = null;
let scale = 1;
let tx = 0;
let ty = 0;
let cssWidth = 0;
let cssHeight = 0;
let frame = 0;
let draws = 0;

function resize() {
  const ratio = globalThis.devicePixelRatio || 1;
  cssWidth = stage.clientWidth;
  cssHeight = stage.clientHeight;
  canvas.width = Math.max(1, Math.round(cssWidth * ratio));
  canvas.height = Math.max(1, Math.round(cssHeight * ratio));
}

/**
 * Fits the given nodes (all when none) into the view.
 * @param {number[] | null} nodes
 */
function fit(nodes) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  const each = nodes ?? Array.from({ length: count }, (_, i) => i);
  for (const i of each) {
    x0 = Math.min(x0, xs[i]);
    y0 = Math.min(y0, ys[i]);
    x1 = Math.max(x1, xs[i] + W);
    y1 = Math.max(y1, ys[i] + H);
  }
  if (!Number.isFinite(x0)) [x0, y0, x1, y1] = [0, 0, graph.width, graph.height];
  const pad = 40;
  const fitted = Math.min((cssWidth - pad) / (x1 - x0), (cssHeight - pad) / (y1 - y0));
  scale = clamp(fitted, MIN_SCALE, 1.2);
  tx = (cssWidth - (x1 - x0) * scale) / 2 - x0 * scale;
  ty = (cssHeight - (y1 - y0) * scale) / 2 - y0 * scale;
}

/**
 * @param {number} value
 * @param {number} low
 * @param {number} high
 */
function clamp(value, low, high) {
  return Math.max(low, Math.min(high, value));
}

function requestDraw() {
  if (frame === 0) frame = requestAnimationFrame(draw);
}

function draw() {
  frame = 0;
  const ratio = globalThis.devicePixelRatio || 1;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, cssWidth, cssHeight);
  // The world rectangle on screen: only what intersects it is drawn.
  const wx0 = -tx / scale, wy0 = -ty / scale;
  const wx1 = (cssWidth - tx) / scale, wy1 = (cssHeight - ty) / scale;
  ctx.setTransform(ratio * scale, 0, 0, ratio * scale, ratio * tx, ratio * ty);

  graph.lanes.forEach((lane, n) => {
    ctx.fillStyle = laneColors[n % 2];
    ctx.fillRect(lane.x, 0, lane.width, graph.height);
  });

  drawEdges(wx0, wy0, wx1, wy1);
  drawNodes(wx0, wy0, wx1, wy1);

  // Lane names stay pinned to the top of the view, whatever the zoom.
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.font = `600 12px ${font}`;
  ctx.textBaseline = "top";
  for (const lane of graph.lanes) {
    const left = lane.x * scale + tx;
    if (left + lane.width * scale < 0 || left > cssWidth) continue;
    ctx.fillStyle = muted;
    ctx.fillText(
      lane.group.toUpperCase(),
      Math.max(left + 8, 8),
      8,
      Math.max(lane.width * scale - 16, 20),
    );
  }
  draws++;
  if (draws === 1) {
    performance.mark("sluice:graph-drawn");
    document.body.dataset.graphDrawn = "true";
  }
  document.body.dataset.graphDraws = String(draws);
}

/**
 * @param {number} wx0
 * @param {number} wy0
 * @param {number} wx1
 * @param {number} wy1
 */
function drawEdges(wx0, wy0, wx1, wy1) {
  ctx.lineWidth = 1 / scale;
  for (const lit of focus ? [false, true] : [true]) {
    ctx.beginPath();
    for (let e = 0; e < graph.edges.length; e += 2) {
      const u = graph.edges[e], v = graph.edges[e + 1];
      if (focus && (focus[u] === 1 && focus[v] === 1) !== lit) continue;
      const x1 = xs[u] + W, y1 = ys[u] + H / 2, x2 = xs[v], y2 = ys[v] + H / 2;
      if (Math.max(x1, x2) < wx0 || Math.min(x1, x2) > wx1) continue;
      if (Math.max(y1, y2) < wy0 || Math.min(y1, y2) > wy1) continue;
      const bend = Math.max(30, Math.abs(x2 - x1) / 2);
      ctx.moveTo(x1, y1);
      ctx.bezierCurveTo(x1 + bend, y1, x2 - bend, y2, x2, y2);
    }
    ctx.strokeStyle = lit ? (focus ? ink : edgeColor) : edgeColor;
    ctx.globalAlpha = lit ? (focus ? 0.7 : 0.6) : 0.15;
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
}

/**
 * @param {number} wx0
 * @param {number} wy0
 * @param {number} wx1
 * @param {number} wy1
 */
function drawNodes(wx0, wy0, wx1, wy1) {
  /** @type {number[]} */
  const visible = [];
  for (let i = 0; i < count; i++) {
    if (xs[i] + W < wx0 || xs[i] > wx1 || ys[i] + H < wy0 || ys[i] > wy1) continue;
    visible.push(i);
  }
  // One path per status and focus state: a few fills instead of one per node.
  for (const lit of focus ? [false, true] : [true]) {
    ctx.globalAlpha = lit ? 1 : 0.22;
    for (let s = 0; s < graph.statuses.length; s++) {
      const members = visible.filter((i) =>
        graph.status[i] === s && (!focus || (focus[i] === 1) === lit)
      );
      if (members.length === 0) continue;
      ctx.beginPath();
      for (const i of members) ctx.rect(xs[i], ys[i], W, H);
      ctx.fillStyle = tint[s];
      ctx.fill();
      ctx.lineWidth = 1 / scale;
      ctx.strokeStyle = strong[s];
      ctx.stroke();
      ctx.beginPath();
      for (const i of members) ctx.rect(xs[i], ys[i], 5, H);
      ctx.fillStyle = strong[s];
      ctx.fill();
    }
  }
  ctx.globalAlpha = 1;
  // Text only where it can be read: below ~6 px it is noise and costs most of the frame.
  if (scale * 12 < 6) return;
  ctx.textBaseline = "alphabetic";
  for (const i of visible) {
    const dim = focus !== null && focus[i] !== 1;
    ctx.globalAlpha = dim ? 0.3 : 1;
    ctx.fillStyle = ink;
    ctx.font = `600 12px ${font}`;
    ctx.fillText(fitted(graph.keys[i], W - 40), xs[i] + 12, ys[i] + 16);
    const reason = graph.reason[i];
    ctx.fillStyle = muted;
    ctx.font = `11px ${font}`;
    const line = reason === -1 ? graph.statuses[graph.status[i]] : graph.reasons[reason];
    ctx.fillText(fitted(line, W - 18), xs[i] + 12, ys[i] + 31);
    ctx.fillStyle = strong[graph.status[i]];
    if (hasUpstream[i]) ctx.fillText("◂", xs[i] + W - 24, ys[i] + 16);
    if (hasDownstream[i]) ctx.fillText("▸", xs[i] + W - 12, ys[i] + 16);
  }
  ctx.globalAlpha = 1;
}

/** Texts cut to a width with an ellipsis, measured once each in the current font. */
const fittedCache = new Map();

/**
 * @param {string} text
 * @param {number} width
 * @returns {string}
 */
function fitted(text, width) {
  const key = `${ctx.font}|${width}|${text}`;
  const cached = fittedCache.get(key);
  if (cached !== undefined) return cached;
  let cut = text;
  if (ctx.measureText(cut).width > width) {
    let low = 0, high = text.length;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (ctx.measureText(`${text.slice(0, mid)}…`).width <= width) low = mid;
      else high = mid - 1;
    }
    cut = `${text.slice(0, low)}…`;
  }
  fittedCache.set(key, cut);
  return cut;
}

/**
 * The node under a screen point, and which part of it: the body, or a focus handle.
 * @param {number} sx
 * @param {number} sy
 * @returns {{ node: number, part: "body" | "upstream" | "downstream" } | null}
 */
function hit(sx, sy) {
  const wx = (sx - tx) / scale, wy = (sy - ty) / scale;
  for (let i = count - 1; i >= 0; i--) {
    if (wx < xs[i] || wx > xs[i] + W || wy < ys[i] || wy > ys[i] + H) continue;
    const fromRight = (xs[i] + W - wx) * scale;
    // The handles sit at the right end, beside each other: ◂ upstream, ▸ downstream.
    if (scale * 12 >= 6 && fromRight <= HANDLE && hasDownstream[i]) {
      return { node: i, part: "downstream" };
    }
    if (scale * 12 >= 6 && fromRight <= 2 * HANDLE && fromRight > HANDLE && hasUpstream[i]) {
      return { node: i, part: "upstream" };
    }
    return { node: i, part: "body" };
  }
  return null;
}

/** @param {string} key */
function assetUrl(key) {
  return `/assets/${encodeURIComponent(key)}`;
}

/**
 * Focuses the graph on a selection, evaluated by the server (the CLI's syntax).
 * @param {string} text
 */
async function select(text) {
  const query = text.trim();
  input.value = query;
  const url = new URL(location.href);
  if (query === "") {
    focus = null;
    url.searchParams.delete("select");
    history.replaceState(null, "", url);
    showMessage(`${count.toLocaleString("en-US")} assets`, false);
    fit(null);
    requestDraw();
    return;
  }
  const response = await fetch(`/graph/select?q=${encodeURIComponent(query)}`, {
    headers: { accept: "application/json" },
  });
  const body = await response.json();
  if (!response.ok) {
    showMessage(body.error ?? `selection failed (${response.status})`, true);
    return;
  }
  applyFocus(body.matched);
  url.searchParams.set("select", query);
  history.replaceState(null, "", url);
}

/** @param {number[]} matched */
function applyFocus(matched) {
  focus = new Uint8Array(count);
  for (const i of matched) focus[i] = 1;
  showMessage(
    `${matched.length.toLocaleString("en-US")} of ${count.toLocaleString("en-US")} assets match`,
    false,
  );
  fit(matched);
  requestDraw();
}

/**
 * @param {string} text
 * @param {boolean} isError
 */
function showMessage(text, isError) {
  message.textContent = text;
  message.classList.toggle("error", isError);
  message.setAttribute("role", isError ? "alert" : "status");
}

/**
 * @param {number} factor
 * @param {number} sx
 * @param {number} sy
 */
function zoomAt(factor, sx, sy) {
  const next = clamp(scale * factor, MIN_SCALE, MAX_SCALE);
  tx = sx - ((sx - tx) * next) / scale;
  ty = sy - ((sy - ty) * next) / scale;
  scale = next;
  requestDraw();
}

// ---- Input ----

/** @type {{ x: number, y: number, tx: number, ty: number, moved: boolean } | null} */
let press = null;

canvas.addEventListener("pointerdown", (event) => {
  press = { x: event.offsetX, y: event.offsetY, tx, ty, moved: false };
  canvas.setPointerCapture(event.pointerId);
});

canvas.addEventListener("pointermove", (event) => {
  if (press) {
    const dx = event.offsetX - press.x, dy = event.offsetY - press.y;
    if (!press.moved && Math.hypot(dx, dy) > 4) {
      press.moved = true;
      canvas.classList.add("dragging");
      tooltip.hidden = true;
    }
    if (press.moved) {
      tx = press.tx + dx;
      ty = press.ty + dy;
      requestDraw();
      return;
    }
  }
  hover(event.offsetX, event.offsetY);
});

canvas.addEventListener("pointerup", (event) => {
  const wasClick = press !== null && !press.moved;
  press = null;
  canvas.classList.remove("dragging");
  if (!wasClick) return;
  const target = hit(event.offsetX, event.offsetY);
  if (!target) return;
  const key = graph.keys[target.node];
  if (target.part === "upstream") void select(`+${key}`);
  else if (target.part === "downstream") void select(`${key}+`);
  else if (event.ctrlKey || event.metaKey) globalThis.open(assetUrl(key), "_blank");
  else location.assign(assetUrl(key));
});

canvas.addEventListener("pointerleave", () => {
  tooltip.hidden = true;
});

canvas.addEventListener("wheel", (event) => {
  event.preventDefault();
  zoomAt(Math.exp(-event.deltaY * 0.0015), event.offsetX, event.offsetY);
}, { passive: false });

/**
 * @param {number} sx
 * @param {number} sy
 */
function hover(sx, sy) {
  const target = hit(sx, sy);
  canvas.classList.toggle("over-node", target !== null);
  if (!target) {
    tooltip.hidden = true;
    return;
  }
  const i = target.node;
  const reason = graph.reason[i] === -1 ? "" : graph.reasons[graph.reason[i]];
  const hint = target.part === "upstream"
    ? "click: focus on it and its upstreams"
    : target.part === "downstream"
    ? "click: focus on it and its downstreams"
    : "click: open the asset · ◂ upstream · ▸ downstream";
  tooltip.replaceChildren(
    line(`${graph.keys[i]} · ${graph.groups[i]}`, "strong"),
    line(`${graph.statuses[graph.status[i]]}${reason ? `: ${reason}` : ""}`, "span"),
    line(hint, "span", "hint"),
  );
  tooltip.hidden = false;
  const left = Math.min(sx + 14, cssWidth - tooltip.offsetWidth - 8);
  const top = Math.min(sy + 14, cssHeight - tooltip.offsetHeight - 8);
  tooltip.style.transform = `translate(${Math.max(0, left)}px, ${Math.max(0, top)}px)`;
}

/**
 * @param {string} text
 * @param {string} tag
 * @param {string} [className]
 */
function line(text, tag, className) {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  const wrapper = document.createElement("div");
  wrapper.append(element);
  return wrapper;
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  void select(input.value);
});

for (const button of document.querySelectorAll("[data-graph-action]")) {
  button.addEventListener("click", () => {
    const action = /** @type {HTMLElement} */ (button).dataset.graphAction;
    if (action === "zoom-in") zoomAt(1.4, cssWidth / 2, cssHeight / 2);
    else if (action === "zoom-out") zoomAt(1 / 1.4, cssWidth / 2, cssHeight / 2);
    else if (action === "fit") {
      fit(focus ? [...focus.keys()].filter((i) => focus?.[i] === 1) : null);
      requestDraw();
    } else if (action === "clear") void select("");
  });
}

globalThis.addEventListener("resize", () => {
  resize();
  requestDraw();
});

// ---- Statuses stay current: the shape is fixed for this page, the colours are polled ----

async function poll() {
  if (document.visibilityState !== "visible") return;
  const response = await fetch("/graph/statuses", { headers: { accept: "application/json" } });
  if (!response.ok) return;
  const next = await response.json();
  if (next.shape !== graph.shape) {
    // Assets were added, removed or rewired: the server has a new layout.
    location.reload();
    return;
  }
  graph.status = next.status;
  graph.reason = next.reason;
  graph.reasons = next.reasons;
  requestDraw();
}

/** For tests and the bench: where a node is on screen, and what it shows. */
const api = {
  /** @param {string} key */
  nodeCenter(key) {
    const i = graph.keys.indexOf(key);
    if (i === -1) return null;
    const rect = canvas.getBoundingClientRect();
    return {
      x: rect.left + tx + (xs[i] + W / 2) * scale,
      y: rect.top + ty + (ys[i] + H / 2) * scale,
    };
  },
  /** @param {string} key */
  handle(key, /** @type {"upstream" | "downstream"} */ part) {
    const i = graph.keys.indexOf(key);
    const rect = canvas.getBoundingClientRect();
    const fromRight = part === "downstream" ? HANDLE / 2 : HANDLE * 1.5;
    return {
      x: rect.left + tx + (xs[i] + W) * scale - fromRight,
      y: rect.top + ty + (ys[i] + H / 2) * scale,
    };
  },
  /** @param {string} key */
  statusOf(key) {
    const i = graph.keys.indexOf(key);
    return i === -1 ? null : graph.statuses[graph.status[i]];
  },
  focused() {
    return focus ? graph.keys.filter((_, i) => focus?.[i] === 1) : null;
  },
  /** @param {string} key */
  centerOn(key) {
    const i = graph.keys.indexOf(key);
    scale = 1;
    tx = cssWidth / 2 - (xs[i] + W / 2);
    ty = cssHeight / 2 - (ys[i] + H / 2);
    draw();
  },
  poll,
  get scale() {
    return scale;
  },
};
Object.assign(globalThis, { sluiceGraph: api });

resize();
if (graph.focusError) {
  showMessage(graph.focusError, true);
  fit(null);
} else if (graph.focus) {
  focus = new Uint8Array(count);
  for (const i of graph.focus) focus[i] = 1;
  showMessage(
    `${graph.focus.length.toLocaleString("en-US")} of ${
      count.toLocaleString("en-US")
    } assets match`,
    false,
  );
  fit(graph.focus);
} else {
  showMessage(`${count.toLocaleString("en-US")} assets`, false);
  fit(null);
}
draw();
if (graph.pollMs && graph.pollMs > 0) setInterval(() => void poll(), graph.pollMs);

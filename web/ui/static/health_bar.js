// @ts-check
/// <reference lib="dom" />
// The asset page's partition health bar: the run-length encoded statuses drawn on a canvas, each
// pixel column showing the most urgent status among the partitions it covers (so one failed day
// in 100,000 still shows). Hover names a partition's position; a click opens it.

/** @param {string} id */
function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the asset page has no #${id}`);
  return element;
}

const started = performance.now();
const canvas = /** @type {HTMLCanvasElement} */ (byId("health-bar"));
const tooltip = byId("health-tooltip");
/** @type {{ asset: string, total: number, statuses: string[], codes: number[], counts: number[] }} */
const health = JSON.parse(byId("health-data").textContent ?? "{}");
const context = canvas.getContext("2d", { alpha: false });
if (!context) throw new Error("the browser gave no 2D canvas context");
const ctx = context;

const css = getComputedStyle(document.documentElement);
const colors = health.statuses.map((s) => css.getPropertyValue(`--status-${s}`).trim() || "#888");
const codes = Uint8Array.from(health.codes);
const counts = Float64Array.from(health.counts);
/** Where each run starts in the partition order, for finding a partition's run by search. */
const starts = new Float64Array(counts.length);
for (let r = 1; r < counts.length; r++) starts[r] = starts[r - 1] + counts[r - 1];

function draw() {
  const ratio = globalThis.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  canvas.width = width;
  canvas.height = height;
  ctx.fillStyle = "#eaeef4";
  ctx.fillRect(0, 0, width, height);
  if (health.total === 0) return;
  // The most urgent status per pixel column (statuses are ordered most urgent first).
  const worst = new Uint8Array(width).fill(255);
  for (let r = 0; r < starts.length; r++) {
    const n = counts[r];
    const first = Math.floor((starts[r] / health.total) * width);
    const last = Math.min(width - 1, Math.ceil(((starts[r] + n) / health.total) * width) - 1);
    for (let px = first; px <= Math.max(first, last); px++) {
      if (codes[r] < worst[px]) worst[px] = codes[r];
    }
  }
  let from = 0;
  for (let px = 1; px <= width; px++) {
    if (px < width && worst[px] === worst[from]) continue;
    if (worst[from] !== 255) {
      ctx.fillStyle = colors[worst[from]];
      ctx.fillRect(from, 0, px - from, height);
    }
    from = px;
  }
}

/**
 * The partition position under a screen x.
 * @param {number} offsetX
 */
function partitionAt(offsetX) {
  return Math.min(
    health.total - 1,
    Math.max(0, Math.floor((offsetX / canvas.clientWidth) * health.total)),
  );
}

/** @param {number} index */
function runOf(index) {
  let low = 0, high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid] <= index) low = mid;
    else high = mid - 1;
  }
  return low;
}

canvas.addEventListener("mousemove", (event) => {
  if (health.total === 0) return;
  const index = partitionAt(event.offsetX);
  const run = runOf(index);
  const status = health.statuses[codes[run]];
  const n = counts[run];
  tooltip.textContent = `partition ${(index + 1).toLocaleString("en-US")} of ${
    health.total.toLocaleString("en-US")
  }: ${status}${n > 1 ? ` (one of ${n.toLocaleString("en-US")} in a row)` : ""} · click to open`;
  tooltip.hidden = false;
  const left = Math.min(event.offsetX + 12, canvas.clientWidth - tooltip.offsetWidth);
  tooltip.style.transform = `translate(${Math.max(0, left)}px, 40px)`;
});
canvas.addEventListener("mouseleave", () => {
  tooltip.hidden = true;
});
canvas.addEventListener("click", (event) => {
  if (health.total === 0) return;
  const index = partitionAt(event.offsetX);
  location.assign(`/assets/${encodeURIComponent(health.asset)}/partitions?at=${index}`);
});
globalThis.addEventListener("resize", draw);

draw();
const drawMs = performance.now() - started;
performance.mark("sluice:health-drawn");
document.body.dataset.healthDrawn = "true";
document.body.dataset.healthDrawMs = drawMs.toFixed(2);

// @ts-check
/// <reference lib="dom" />
// The run page's live log tail: server-sent events from where the server-rendered lines end;
// the browser's EventSource resumes from the last line id after a dropped connection. When the
// run ends the page reloads once, rendered whole; `body[data-log-ended]` marks a finished log.

/** @param {string} id */
function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the run page has no #${id}`);
  return element;
}

const log = byId("run-log");
const statusBadge = byId("run-status");
const runId = log.dataset.runId ?? "";
const after = log.dataset.after ?? "0";

/** @param {{ seq: number, at: string, level: string, message: string }} line */
function append(line) {
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  const item = document.createElement("li");
  item.className = line.level;
  item.dataset.seq = String(line.seq);
  const time = document.createElement("time");
  time.dateTime = line.at;
  time.textContent = line.at.slice(11, 19);
  item.append(time, document.createTextNode(line.message));
  log.append(item);
  if (nearBottom) log.scrollTop = log.scrollHeight;
}

if (log.dataset.live === "true") {
  const source = new EventSource(
    `/runs/${encodeURIComponent(runId)}/logs/stream?after=${encodeURIComponent(after)}`,
  );
  source.addEventListener("log", (event) => append(JSON.parse(event.data)));
  source.addEventListener("status", (event) => {
    const status = JSON.parse(event.data).status;
    statusBadge.textContent = status;
    statusBadge.className = `badge run-${status}`;
  });
  // The run is over: load the page again, which the server now renders whole (its steps, when
  // it ended, what it found) and marks ended.
  source.addEventListener("end", () => {
    source.close();
    location.reload();
  });
} else {
  document.body.dataset.logEnded = "true";
}

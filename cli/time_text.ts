// Times as the automation commands print them: the instant in UTC, and how far from now.

/** `2026-11-02 02:00:00Z (in 3 h)` or `… (5 min ago)`; `-` for none. */
export function formatWhen(at: Date | string | null | undefined, now: Date): string {
  if (at === null || at === undefined) return "-";
  const date = typeof at === "string" ? new Date(at) : at;
  const stamp = date.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  const ms = date.getTime() - now.getTime();
  return `${stamp} (${ms >= 0 ? `in ${span(ms)}` : `${span(-ms)} ago`})`;
}

function span(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}

/** The first `width` characters, with `…` when cut. */
export function clip(text: string | null | undefined, width: number): string {
  if (text === null || text === undefined) return "";
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

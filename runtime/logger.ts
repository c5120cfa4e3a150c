// A structured logger: one event per call with a level, a message and fields, sent to any
// number of sinks (the terminal, the run log in the metadata store).

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Readonly<Record<string, unknown>>;

export interface LogEvent {
  readonly at: Date;
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: LogFields;
}

export type LogSink = (event: LogEvent) => void;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every event. */
  child(fields: LogFields): Logger;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(
  sinks: readonly LogSink[],
  minLevel: LogLevel = "info",
  base: LogFields = {},
  now: () => Date = () => new Date(),
): Logger {
  const emit = (level: LogLevel, message: string, fields: LogFields = {}) => {
    if (LEVEL_RANK[level] < LEVEL_RANK[minLevel]) return;
    const event = { at: now(), level, message, fields: { ...base, ...fields } };
    for (const sink of sinks) sink(event);
  };
  return {
    debug: (message, fields) => emit("debug", message, fields),
    info: (message, fields) => emit("info", message, fields),
    warn: (message, fields) => emit("warn", message, fields),
    error: (message, fields) => emit("error", message, fields),
    child: (fields) => createLogger(sinks, minLevel, { ...base, ...fields }, now),
  };
}

/** Writes events as single lines to stderr, so stdout stays for tables and JSON. */
export function stderrSink(format: "pretty" | "json"): LogSink {
  const encoder = new TextEncoder();
  return (event) => {
    const line = format === "json"
      ? JSON.stringify({
        at: event.at.toISOString(),
        level: event.level,
        message: event.message,
        ...event.fields,
      })
      : `${event.at.toISOString().slice(11, 19)} ${event.level.padEnd(5)} ${event.message}${
        formatFields(event.fields)
      }`;
    Deno.stderr.writeSync(encoder.encode(line + "\n"));
  };
}

function formatFields(fields: LogFields): string {
  const entries = Object.entries(fields);
  if (entries.length === 0) return "";
  return " " +
    entries.map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ");
}

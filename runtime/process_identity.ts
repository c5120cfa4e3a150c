// Which operating-system process a run is, recorded with the run so that another process on the
// same machine can tell at once that it died (kill -9, OOM), instead of waiting out its lease.
// A pid alone is not enough: pids are reused, so the process's start time is part of it.

export interface ProcessIdentity {
  readonly host: string;
  readonly pid: number;
  /** When the process started, as the kernel counts it (Linux: clock ticks after boot). */
  readonly start: string | undefined;
  /**
   * Where `pid` names this process: the kernel's boot id and the pid namespace. Two processes
   * compare pids only within one scope; undefined where it cannot be read (not Linux).
   */
  readonly scope: string | undefined;
}

/** What a probe of a recorded process found. */
export type ProcessState =
  /** It runs: same scope, same pid and start time. */
  | "alive"
  /** It is provably gone: same scope, and its pid is free, a zombie, or another process now. */
  | "gone"
  /** Another machine, container or OS without /proc: only its heartbeat can tell. */
  | "unknown";

let self: ProcessIdentity | undefined;

/** This process's identity (read once). */
export function currentProcess(): ProcessIdentity {
  if (self) return self;
  const stat = readStat(Deno.pid);
  const start = typeof stat === "object" ? stat.start : undefined;
  self = { host: Deno.hostname(), pid: Deno.pid, start, scope: readScope() };
  return self;
}

/** The identity of another process on this machine, or undefined if it cannot be read. */
export function processIdentityOf(pid: number): ProcessIdentity | undefined {
  const stat = readStat(pid);
  if (typeof stat !== "object") return undefined;
  const here = currentProcess();
  return { host: here.host, pid, start: stat.start, scope: here.scope };
}

/** Whether the recorded process still runs, as far as this process can see. */
export function probeProcess(
  recorded: ProcessIdentity,
  here: ProcessIdentity = currentProcess(),
): ProcessState {
  if (recorded.scope === undefined || recorded.scope !== here.scope) return "unknown";
  if (recorded.host !== here.host || recorded.start === undefined) return "unknown";
  if (recorded.pid === here.pid) return recorded.start === here.start ? "alive" : "gone";
  const stat = readStat(recorded.pid);
  if (stat === "unreadable") return "unknown";
  if (stat === undefined || stat.state === "Z" || stat.state === "X") return "gone";
  return stat.start === recorded.start ? "alive" : "gone";
}

/** `host:pid`, for messages. */
export function describeProcess(process: Pick<ProcessIdentity, "host" | "pid">): string {
  return `${process.host}:${process.pid}`;
}

interface ProcStat {
  readonly state: string;
  readonly start: string;
}

/** Fields of /proc/<pid>/stat; undefined when no such process; "unreadable" without /proc. */
function readStat(pid: number): ProcStat | undefined | "unreadable" {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return existsProc() ? undefined : "unreadable";
    return "unreadable";
  }
  // The command name (field 2) is in parentheses and may hold spaces or parentheses itself,
  // so fields are counted from the last ')': state is field 3, starttime field 22.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  const start = fields[22 - 3];
  if (state === undefined || start === undefined || !/^\d+$/.test(start)) return "unreadable";
  return { state, start };
}

function existsProc(): boolean {
  try {
    return Deno.statSync("/proc/self/stat").isFile;
  } catch {
    return false;
  }
}

function readScope(): string | undefined {
  try {
    const boot = Deno.readTextFileSync("/proc/sys/kernel/random/boot_id").trim();
    const namespace = Deno.readLinkSync("/proc/self/ns/pid");
    return `${boot}/${namespace}`;
  } catch {
    return undefined;
  }
}

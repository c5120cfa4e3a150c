// An inter-process lock for the embedded store: PGlite corrupts its data dir when two processes
// open it, so the lock file next to the dir names the holder (pid and command) for the message.
import { basename, dirname } from "node:path";
import { SluiceError } from "../../runtime/errors.ts";

/** Another live process holds the embedded store for longer than we were willing to wait. */
export class EmbeddedStoreBusyError extends SluiceError {
  override name = "EmbeddedStoreBusyError";
  constructor(readonly dataDir: string, readonly holder: LockHolder) {
    super(
      `The embedded metadata store at ${dataDir} is in use by pid ${holder.pid} (${holder.command}); wait for it to finish or set DATABASE_URL to a Postgres server to run several processes at once`,
    );
  }
}

export interface LockHolder {
  readonly pid: number;
  readonly command: string;
  readonly since: string;
}

export interface EmbeddedLockOptions {
  /** How long to wait for a live holder to finish; 30 s by default. */
  readonly waitMs?: number;
  readonly pollMs?: number;
  /** Shown to the next opener; defaults to this process's command line. */
  readonly command?: string;
  /** Tells whether a pid is alive; injected by tests. */
  readonly isAlive?: (pid: number) => boolean;
}

export interface EmbeddedLock {
  readonly path: string;
  release(): Promise<void>;
}

/** `.sluice/pg` is guarded by `.sluice/pg.lock`. */
export function lockPathFor(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, "")}.lock`;
}

export async function acquireEmbeddedLock(
  dataDir: string,
  options: EmbeddedLockOptions = {},
): Promise<EmbeddedLock> {
  const path = lockPathFor(dataDir);
  const waitMs = options.waitMs ?? 30_000;
  const pollMs = options.pollMs ?? 250;
  const isAlive = options.isAlive ?? isProcessAlive;
  const me: LockHolder = {
    pid: Deno.pid,
    command: options.command ?? currentCommand(),
    since: new Date().toISOString(),
  };
  const content = JSON.stringify(me);
  await Deno.mkdir(dirname(path), { recursive: true });
  const deadline = Date.now() + waitMs;
  while (true) {
    if (await tryCreate(path, content)) return { path, release: () => releaseLock(path, content) };
    const seen = await readLock(path);
    if (seen === undefined) continue; // released between our two calls: try again at once
    if (seen.holder === undefined || !isAlive(seen.holder.pid)) {
      await removeIfUnchanged(path, seen.text);
      continue;
    }
    if (Date.now() >= deadline) throw new EmbeddedStoreBusyError(dataDir, seen.holder);
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, deadline - Date.now())));
  }
}

async function tryCreate(path: string, content: string): Promise<boolean> {
  try {
    // createNew is O_EXCL: exactly one process wins the race for a free lock.
    await Deno.writeTextFile(path, content, { createNew: true });
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw error;
  }
}

/** The lock file's text and its holder (undefined when unreadable), or undefined when free. */
export async function readLock(
  path: string,
): Promise<{ text: string; holder: LockHolder | undefined } | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  return { text, holder: parseHolder(text) };
}

/** A lock file we cannot parse (a crash mid-write) counts as stale. */
function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text);
    if (typeof value?.pid !== "number") return undefined;
    return { pid: value.pid, command: String(value.command ?? "?"), since: String(value.since) };
  } catch {
    return undefined;
  }
}

/**
 * Takes a stale lock over. Re-reading just before removing narrows the window in which two
 * processes that both saw the same stale lock could remove each other's fresh one.
 */
async function removeIfUnchanged(path: string, staleText: string): Promise<void> {
  const now = await readLock(path);
  if (now?.text !== staleText) return;
  await Deno.remove(path).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}

async function releaseLock(path: string, content: string): Promise<void> {
  const now = await readLock(path);
  if (now?.text === content) await Deno.remove(path).catch(() => {});
}

/** Signal 0 checks existence; EPERM means the pid lives under another user. */
export function isProcessAlive(pid: number): boolean {
  try {
    Deno.kill(pid, 0 as unknown as Deno.Signal);
    return true;
  } catch (error) {
    return !(error instanceof Deno.errors.NotFound);
  }
}

function currentCommand(): string {
  let main = "deno";
  try {
    main = basename(new URL(Deno.mainModule).pathname).replace(/\.[tj]s$/, "");
  } catch {
    // No main module (a REPL or an eval): "deno" describes it well enough.
  }
  return [main, ...Deno.args].join(" ");
}

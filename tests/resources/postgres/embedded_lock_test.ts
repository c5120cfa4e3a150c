// The embedded store's inter-process lock: it waits for a live holder and then names it, takes a
// stale lock over, and guards openPgliteClient().
import assert from "node:assert/strict";
import {
  acquireEmbeddedLock,
  EmbeddedStoreBusyError,
  lockPathFor,
} from "../../../resources/postgres/embedded_lock.ts";
import { openPgliteClient } from "../../../resources/postgres/pglite_client.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sluice_lock_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function writeLock(dataDir: string, pid: number, command: string): Promise<void> {
  return Deno.writeTextFile(
    lockPathFor(dataDir),
    JSON.stringify({ pid, command, since: new Date().toISOString() }),
  );
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return child.pid;
}

Deno.test("acquireEmbeddedLock() waits for a live holder, then names its pid and command", async () => {
  await withTempDir(async (dir) => {
    const dataDir = `${dir}/pg`;
    await writeLock(dataDir, Deno.pid, "sluice materialize");
    const started = performance.now();
    await assert.rejects(
      acquireEmbeddedLock(dataDir, { waitMs: 60, pollMs: 10 }),
      (error) => {
        assert.ok(error instanceof EmbeddedStoreBusyError);
        assert.equal(
          error.message,
          `The embedded metadata store at ${dataDir} is in use by pid ${Deno.pid} (sluice materialize); wait for it to finish or set DATABASE_URL to a Postgres server to run several processes at once`,
        );
        return true;
      },
    );
    assert.ok(performance.now() - started >= 55, "gave up before waitMs had passed");
  });
});

Deno.test("acquireEmbeddedLock() gets the lock once the holder releases it", async () => {
  await withTempDir(async (dir) => {
    const first = await acquireEmbeddedLock(`${dir}/pg`, { command: "first" });
    const second = acquireEmbeddedLock(`${dir}/pg`, { command: "second", pollMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await first.release();
    const lock = await second;
    const holder = JSON.parse(await Deno.readTextFile(lock.path));
    assert.equal(holder.command, "second");
    await lock.release();
    await assert.rejects(Deno.stat(lock.path), Deno.errors.NotFound);
  });
});

Deno.test("acquireEmbeddedLock() takes over a stale lock whose pid is dead", async () => {
  await withTempDir(async (dir) => {
    await writeLock(`${dir}/pg`, await deadPid(), "sluice daemon");
    const lock = await acquireEmbeddedLock(`${dir}/pg`, { waitMs: 0, command: "sluice ui" });
    const holder = JSON.parse(await Deno.readTextFile(lock.path));
    assert.deepEqual([holder.pid, holder.command], [Deno.pid, "sluice ui"]);
    await lock.release();
  });
});

Deno.test("acquireEmbeddedLock() takes over a lock file it cannot read", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(lockPathFor(`${dir}/pg`), '{"pid":');
    const lock = await acquireEmbeddedLock(`${dir}/pg`, { waitMs: 0 });
    await lock.release();
  });
});

Deno.test("release() leaves a lock that another process has since taken", async () => {
  await withTempDir(async (dir) => {
    const lock = await acquireEmbeddedLock(`${dir}/pg`);
    await writeLock(`${dir}/pg`, 1, "someone else");
    await lock.release();
    const holder = JSON.parse(await Deno.readTextFile(lock.path));
    assert.equal(holder.command, "someone else");
  });
});

Deno.test("openPgliteClient() refuses a data dir that another live process holds", async () => {
  await withTempDir(async (dir) => {
    const holder = new Deno.Command("sleep", { args: ["30"] }).spawn();
    try {
      await writeLock(`${dir}/pg`, holder.pid, "sluice materialize");
      await assert.rejects(
        openPgliteClient(`${dir}/pg`, { lock: { waitMs: 20, pollMs: 5 } }),
        (error) =>
          error instanceof EmbeddedStoreBusyError &&
          error.message.includes(`in use by pid ${holder.pid} (sluice materialize)`),
      );
    } finally {
      holder.kill();
      await holder.status;
    }
  });
});

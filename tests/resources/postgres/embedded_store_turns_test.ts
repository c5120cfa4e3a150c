// The embedded store taken by turns: a read opens PGlite, reads and closes it (lock released);
// it does not wait for another process's turn; the end of another process's turn is seen once,
// and this process's own turns and a dead holder's are told apart.
import assert from "node:assert/strict";
import { EmbeddedStoreBusyError, lockPathFor } from "../../../resources/postgres/embedded_lock.ts";
import { EmbeddedStoreTurns } from "../../../resources/postgres/embedded_store_turns.ts";
import type { AssetKey } from "../../../runtime/definitions/asset_key.ts";

async function withTurns(fn: (turns: EmbeddedStoreTurns, dataDir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "sluice_turns_" });
  try {
    await fn(new EmbeddedStoreTurns({ dataDir: `${dir}/pg` }), `${dir}/pg`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Another live process for the lock to name; killed when the test is done. */
async function withOtherProcess(fn: (pid: number) => Promise<void>): Promise<void> {
  const child = new Deno.Command("sleep", { args: ["60"] }).spawn();
  try {
    await fn(child.pid);
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
}

function holdLock(dataDir: string, pid: number, command = "sluice materialize"): Promise<void> {
  return Deno.writeTextFile(
    lockPathFor(dataDir),
    JSON.stringify({ pid, command, since: new Date().toISOString() }),
  );
}

const freeLock = (dataDir: string) => Deno.remove(lockPathFor(dataDir));

const pglite = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "read() opens the embedded store for one read and lets it go, two reads taking turns",
  ...pglite,
  fn: () =>
    withTurns(async (turns, dataDir) => {
      const [first, second] = await Promise.all([
        turns.read((store) => store.aliases.current("models.m" as AssetKey, "champion")),
        turns.read((store) => store.aliases.list()),
      ]);
      assert.equal(first, undefined);
      assert.deepEqual(second, []);
      await assert.rejects(Deno.stat(lockPathFor(dataDir)), Deno.errors.NotFound);
    }),
});

Deno.test({
  name: "read() does not wait while another process holds the store: it names the holder",
  ...pglite,
  fn: () =>
    withTurns((turns, dataDir) =>
      withOtherProcess(async (pid) => {
        await holdLock(dataDir, pid);
        await assert.rejects(turns.read(() => Promise.resolve()), (error) => {
          assert.ok(error instanceof EmbeddedStoreBusyError);
          assert.match(error.message, new RegExp(`in use by pid ${pid} \\(sluice materialize\\)`));
          return true;
        });
      })
    ),
});

Deno.test("lookAtLock() signals once when another process's turn ends, not for this process's own", async () => {
  await withTurns((turns, dataDir) =>
    withOtherProcess(async (pid) => {
      let ended = 0;
      const stop = turns.watchOtherTurns(() => ended++);
      try {
        assert.equal(await turns.lookAtLock(), false, "nobody holds it");
        await holdLock(dataDir, pid);
        assert.equal(await turns.lookAtLock(), false, "a turn under way");
        assert.equal(await turns.lookAtLock(), false, "still under way");
        await freeLock(dataDir);
        assert.equal(await turns.lookAtLock(), true, "the turn ended");
        assert.equal(await turns.lookAtLock(), false, "and is signalled once");
        await holdLock(dataDir, Deno.pid, "sluice serve");
        assert.equal(await turns.lookAtLock(), false, "this process's own turn");
        await freeLock(dataDir);
        assert.equal(await turns.lookAtLock(), false, "its end is not another's");
        assert.equal(ended, 1);
      } finally {
        stop();
      }
    })
  );
});

Deno.test("lookAtLock() counts a holder that died mid-turn, or gave way to another, as a turn ended", async () => {
  await withTurns((_, dataDir) =>
    withOtherProcess(async (pid) => {
      let alive = true;
      const watched = new EmbeddedStoreTurns({
        dataDir,
        isAlive: (candidate) => candidate !== pid || alive,
      });
      let ended = 0;
      const stop = watched.watchOtherTurns(() => ended++);
      try {
        await holdLock(dataDir, pid, "sluice materialize");
        assert.equal(await watched.lookAtLock(), false);
        alive = false;
        assert.equal(await watched.lookAtLock(), true, "its holder died: the lock is stale");
        assert.equal(await watched.lookAtLock(), false, "a stale lock is not a turn");
        alive = true;
        await holdLock(dataDir, pid, "sluice models rollback");
        assert.equal(await watched.lookAtLock(), false);
        await holdLock(dataDir, pid, "sluice materialize");
        assert.equal(await watched.lookAtLock(), true, "one turn gave way to the next");
        assert.equal(ended, 2);
      } finally {
        stop();
      }
    })
  );
});

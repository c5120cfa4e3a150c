// LISTEN on a real Postgres: a NOTIFY committed by another connection arrives with its payload,
// and after the server drops the listener's connection it subscribes again, says so, and
// hears the next NOTIFY.
import assert from "node:assert/strict";
import postgres from "postgres";
import { listenForNotifications } from "../../../resources/postgres/notification_listener.ts";
import { ConfigError } from "../../../runtime/errors.ts";
import { needsPostgres, withFreshDatabase } from "../../support/services.ts";

const CHANNEL = "sluice_test_channel";

/** A queue of what the handlers saw, awaited one by one. */
class Heard<T> {
  readonly #items: T[] = [];
  readonly #waiters: ((item: T) => void)[] = [];

  push(item: T): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(item);
    else this.#items.push(item);
  }

  next(what: string, timeoutMs = 10_000): Promise<T> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nothing heard: ${what}`)), timeoutMs);
      this.#waiters.push((heard) => {
        clearTimeout(timer);
        resolve(heard);
      });
    });
  }
}

Deno.test({
  name:
    "listenForNotifications() hears a committed NOTIFY and subscribes again after a dropped connection",
  ...needsPostgres(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withFreshDatabase(async (url) => {
      const payloads = new Heard<string>();
      const listens = new Heard<boolean>();
      const listener = await listenForNotifications(url, CHANNEL, {
        onNotify: (payload) => payloads.push(payload),
        onListen: (reconnected) => listens.push(reconnected),
      });
      const other = postgres(url, { max: 1, onnotice: () => {} });
      try {
        assert.equal(await listens.next("the first subscription"), false);
        await other.begin((tx) => tx`select pg_notify(${CHANNEL}, 'one')`);
        assert.equal(await payloads.next("the first NOTIFY"), "one");

        const dropped = await other`
          select pg_terminate_backend(pid) as done from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid()
            and query ilike 'listen%'`;
        assert.deepEqual(dropped.map((row) => row.done), [true]);
        assert.equal(await listens.next("the subscription after the drop"), true);
        await other`select pg_notify(${CHANNEL}, 'two')`;
        assert.equal(await payloads.next("the NOTIFY after the drop"), "two");
      } finally {
        await other.end({ timeout: 5 });
        await listener.close();
      }
    });
  },
});

Deno.test("listenForNotifications() reports a server it cannot reach as one line naming the variable", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  await assert.rejects(
    listenForNotifications(
      `postgres://postgres:secret@127.0.0.1:${port}/postgres`,
      CHANNEL,
      { onNotify: () => {} },
      { connectTimeoutSeconds: 2 },
    ),
    (error) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.variable, "DATABASE_URL");
      assert.equal(
        error.message,
        `Cannot listen for ${CHANNEL} on Postgres at 127.0.0.1:${port} (DATABASE_URL): connection refused; start the server or fix DATABASE_URL`,
      );
      return true;
    },
  );
});

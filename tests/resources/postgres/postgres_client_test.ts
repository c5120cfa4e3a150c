// The Postgres client reports an unreachable server as one line naming the setting, and runs
// queries and transactions against a real server.
import assert from "node:assert/strict";
import { openPostgresClient } from "../../../resources/postgres/postgres_client.ts";
import { ConfigError } from "../../../runtime/errors.ts";
import { needsPostgres, withFreshDatabase } from "../../support/services.ts";

/** A loopback port nobody listens on: bound, then freed. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("openPostgresClient() reports a refused connection as one line naming DATABASE_URL", async () => {
  const port = closedPort();
  await assert.rejects(
    openPostgresClient(`postgres://postgres:secret@127.0.0.1:${port}/postgres`),
    (error) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.variable, "DATABASE_URL");
      assert.equal(
        error.message,
        `Cannot connect to Postgres at 127.0.0.1:${port} (DATABASE_URL): connection refused; start the server or fix DATABASE_URL`,
      );
      return true;
    },
  );
});

Deno.test({
  name: "openPostgresClient() runs parameterized queries and rolls a failed transaction back",
  ...needsPostgres(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withFreshDatabase(async (url) => {
      const sql = await openPostgresClient(url);
      try {
        await sql.exec("create table t (n int, at timestamptz); create index on t (n)");
        await assert.rejects(
          sql.transaction(async (tx) => {
            await tx.query("insert into t values ($1, $2)", [1, new Date(0)]);
            throw new Error("Abort");
          }),
          /Abort/,
        );
        await sql.transaction((tx) => tx.query("insert into t values ($1, $2)", [2, new Date(0)]));
        const rows = await sql.query<{ n: number; at: Date }>("select n, at from t");
        assert.deepEqual(rows.map((row) => [row.n, row.at.getTime()]), [[2, 0]]);
      } finally {
        await sql.close();
      }
    });
  },
});

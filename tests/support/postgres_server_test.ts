// Proves the harness itself: startPostgres() yields a reachable server and stop() really stops it.
// Skips outside CI when no server could be started for this run (the runner leaves the URL unset).

import assert from "node:assert/strict";
import postgres from "postgres";
import { startPostgres } from "./postgres_server.ts";

const available = Boolean(Deno.env.get("SLUICE_TEST_DATABASE_URL")) ||
  /^(true|1)$/i.test(Deno.env.get("CI") ?? "");

async function portIsClosed(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return false;
  } catch (e) {
    if (e instanceof Deno.errors.ConnectionRefused) return true;
    throw e;
  }
}

Deno.test({
  name: "startPostgres serves queries on a loopback port and stop() closes it",
  ignore: !available,
  async fn() {
    const server = await startPostgres();
    try {
      assert.match(server.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      const sql = postgres(server.url, { max: 1, onnotice: () => {} });
      try {
        const rows = await sql`select 1 as one`;
        assert.equal(rows[0].one, 1);
      } finally {
        await sql.end({ timeout: 5 });
      }
    } finally {
      await server.stop();
    }
    assert.ok(await portIsClosed(server.port), `port ${server.port} still accepts connections`);
    await assert.rejects(Deno.stat(server.dir), Deno.errors.NotFound);
  },
});

// The metadata store contract on PGlite, in memory and in a data dir on disk. Creating a PGlite
// cluster takes seconds, so tests reuse one: a shared in-memory database whose `platform` schema
// is dropped before each test, and a copy of a freshly created data dir per test on disk.
import { openPgliteClient } from "../../../resources/postgres/pglite_client.ts";
import type { SqlClient } from "../../../runtime/sql_client.ts";
import { SqlMetadataStore } from "../../../runtime/store/sql/sql_metadata_store.ts";
import { closingAlso, metadataStoreContract } from "./metadata_store_contract.ts";

let shared: Promise<SqlClient> | undefined;

metadataStoreContract("PGlite in memory", async () => {
  shared ??= openPgliteClient(":memory:");
  const client = await shared;
  await client.exec("drop schema if exists platform cascade");
  return new SqlMetadataStore(keptOpen(client));
});

let template: Promise<string> | undefined;

metadataStoreContract("PGlite on disk", async () => {
  template ??= createTemplateDir();
  const dir = await Deno.makeTempDir({ prefix: "sluice_pglite_" });
  await copyDir(await template, `${dir}/pg`);
  const store = new SqlMetadataStore(await openPgliteClient(`${dir}/pg`));
  return closingAlso(store, () => Deno.remove(dir, { recursive: true }));
});

/** A client whose close() leaves the shared database open for the next test. */
function keptOpen(client: SqlClient): SqlClient {
  return {
    dialect: client.dialect,
    query: (sql, params) => client.query(sql, params),
    exec: (sql) => client.exec(sql),
    transaction: (fn) => client.transaction(fn),
    copyFromCsv: (table, columns, file) => client.copyFromCsv(table, columns, file),
    close: () => Promise.resolve(),
  };
}

async function createTemplateDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "sluice_pglite_template_" });
  const client = await openPgliteClient(`${dir}/pg`);
  await client.close();
  globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  return `${dir}/pg`;
}

async function copyDir(from: string, to: string): Promise<void> {
  const { code, stderr } = await new Deno.Command("cp", { args: ["-R", from, to] }).output();
  if (code !== 0) {
    throw new Error(`Cannot copy ${from} to ${to}: ${new TextDecoder().decode(stderr)}`);
  }
}

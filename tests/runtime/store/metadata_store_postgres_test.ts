// The metadata store contract on a real Postgres server (SLUICE_TEST_DATABASE_URL), each test in
// a database of its own.
import { openPostgresClient } from "../../../resources/postgres/postgres_client.ts";
import { SqlMetadataStore } from "../../../runtime/store/sql/sql_metadata_store.ts";
import { createFreshDatabase, needsPostgres } from "../../support/services.ts";
import { closingAlso, metadataStoreContract } from "./metadata_store_contract.ts";

metadataStoreContract("Postgres", async () => {
  const database = await createFreshDatabase();
  try {
    const client = await openPostgresClient(database.url, { variable: "SLUICE_TEST_DATABASE_URL" });
    return closingAlso(new SqlMetadataStore(client), database.drop);
  } catch (error) {
    await database.drop();
    throw error;
  }
}, needsPostgres());

import assert from "node:assert/strict";
import {
  mayNamePlatform,
  platformMentionsInSql,
  platformMentionsInStrings,
} from "./platform_mentions.ts";
import { parseSource } from "./source_file.ts";

const mentions = (text: string) => platformMentionsInStrings(parseSource(text));

Deno.test("platformMentionsInStrings() finds a platform relation in strings and templates", () => {
  assert.deepEqual(
    mentions(`const a = "select * from platform.runs";
const b = \`delete from platform.run_logs where run_id = \${id}\`;
const c = 'select 1 from "platform".leases';
const d = \`select * from platform.\${table}\`;
const e = \`select \${x} from platform.checks\`;`).map((m) => m.line),
    [1, 2, 3, 4, 5],
  );
});

Deno.test("platformMentionsInStrings() ignores comments, identifiers and prose", () => {
  assert.deepEqual(
    mentions(`// reads platform.kafka_offsets
/** platform.runs */
const platform = { runs: 1 };
const n = platform.runs + os.platform.length;
const text = "Sluice is a data platform. Run it.";
const other = "select * from my_platform.runs";`),
    [],
  );
});

Deno.test("platformMentionsInStrings() shortens a long string around the mention", () => {
  const [mention] = mentions(
    `const q = "select ${"a, ".repeat(40)}b from platform.asset_partitions where asset_key = $1";`,
  );
  assert.equal(mention.line, 1);
  assert.match(mention.excerpt, /^….*from platform\.asset_partitions.*…$/);
  assert.ok(mention.excerpt.length <= 102, mention.excerpt);
});

Deno.test("platformMentionsInSql() finds mentions outside comments, by line", () => {
  const sql = `/*
key: gold.x
description: reads nothing from platform.runs
*/
-- platform.leases is the store's
SELECT * FROM platform.asset_partitions
JOIN x ON true`;
  assert.deepEqual(platformMentionsInSql(sql), [
    { line: 6, excerpt: "SELECT * FROM platform.asset_partitions" },
  ]);
});

Deno.test("platformMentionsInSql() lets a migration move a table out of platform, nothing more", () => {
  const sql = `do $$
begin
  if to_regclass('platform.kafka_offsets') is not null then
    alter table platform.kafka_offsets set schema ingest;
    ALTER TABLE IF EXISTS "platform".kafka_segments SET SCHEMA ingest;
    insert into ingest.kafka_offsets select * from platform.kafka_offsets;
  end if;
end $$;
create table platform.ingest_state (id text);`;
  assert.deepEqual(platformMentionsInSql(sql).map((m) => m.line), [6, 9]);
});

Deno.test("mayNamePlatform() allows the store, its migrations, tests and benches only", () => {
  assert.deepEqual(
    [
      "runtime/store/run_store.ts",
      "runtime/store/sql/sql_metadata_store.ts",
      "sql/platform/0001_init.sql",
      "tests/runtime/store/migrate_test.ts",
      "bench/store_load_states.ts",
      "runtime/execution/vacuum.ts",
      "assets/bronze.ts",
      "sql/gold/fraud_summary.sql",
    ].map(mayNamePlatform),
    [true, true, true, true, true, false, false, false],
  );
});

// How soon a running `sluice serve` follows the champion when `sluice models promote` or
// `rollback` moves it from another process, on Postgres (LISTEN) and on the embedded store (turns
// on PGlite): from the move's recorded time, and from the command's exit, to the first
// /health/ready naming the new version. Medians of --moves moves per store.
//
//   deno run -A bench/serve_swap_bench.ts [--moves 5] [--only postgres|embedded]
//   (Postgres: DATABASE_URL or SLUICE_TEST_DATABASE_URL, an admin URL; a database is created)
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CHAMPION, FRAUD_DETECTOR_KEY } from "../models/model_versions.ts";
import { FsLake } from "../resources/lake/fs_lake.ts";
import { openMetadataStore } from "../resources/postgres/open_metadata_store.ts";
import type { MetadataStore } from "../runtime/store/metadata_store.ts";
import { ServeProcess } from "../tests/cli/_serve_process.ts";
import { runScript } from "../tests/support/deno_script.ts";
import { createFreshDatabase } from "../tests/support/services.ts";
import {
  commitModelVersion,
  type CommittedVersion,
  moveChampion,
} from "../tests/web/serve/_champion_store.ts";
import { fixtureModel, shiftedModel } from "../tests/web/serve/_fixture_model.ts";

const { values: flags } = parseArgs({
  options: { moves: { type: "string", default: "5" }, only: { type: "string" } },
});
const MOVES = Number(flags.moves);

interface Delay {
  readonly fromMove: number;
  readonly fromExit: number;
}

function log(message: string): void {
  console.log(`[serve_swap_bench] ${message}`);
}

async function servingAt(url: string, version: string): Promise<number> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const body = await (await fetch(`${url}/health/ready`)).json();
    if (body.model_version === version) return Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`serve did not serve ${version} within 120 s`);
}

/** Seeds two versions, starts serve on `env` and moves the champion MOVES times. */
async function measure(
  env: Record<string, string>,
  open: () => Promise<MetadataStore>,
  lakeRoot: string,
): Promise<Delay[]> {
  let versions: CommittedVersion[];
  const seeding = await open();
  try {
    const lake = new FsLake({ root: lakeRoot });
    versions = [
      await commitModelVersion(seeding, lake, fixtureModel(), "2026-11-20"),
      await commitModelVersion(seeding, lake, shiftedModel(0.5), "2026-11-21"),
    ];
    await moveChampion(seeding, versions[0]);
  } finally {
    await seeding.close();
  }
  const serve = ServeProcess.start(env);
  const delays: Delay[] = [];
  try {
    const url = await serve.url();
    await servingAt(url, versions[0].label);
    for (let move = 1; move <= MOVES; move++) {
      const to = versions[move % 2];
      const args = move % 2 === 1 ? ["promote", to.label] : ["rollback"];
      let exitedAt = 0;
      const command = runScript("sluice.ts", ["models", ...args], env).then((result) => {
        exitedAt = Date.now();
        return result;
      });
      const seenAt = await servingAt(url, to.label);
      const result = await command;
      if (result.code !== 0) throw new Error(`models ${args.join(" ")}: ${result.stderr}`);
      const store = await open();
      const [latest] = await store.aliases.history(FRAUD_DETECTOR_KEY, CHAMPION, 1)
        .finally(() => store.close());
      const delay = {
        fromMove: seenAt - latest.at.getTime(),
        fromExit: Math.max(0, seenAt - exitedAt),
      };
      log(
        `  models ${args[0]}: ${delay.fromMove} ms from the move, ${delay.fromExit} ms after exit`,
      );
      delays.push(delay);
    }
    await serve.stop();
  } catch (error) {
    await serve.kill();
    throw error;
  }
  return delays;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function summary(name: string, delays: Delay[]): void {
  const fromMove = delays.map((d) => d.fromMove);
  log(
    `${name}: from the move median ${median(fromMove)} ms (min ${Math.min(...fromMove)}, max ${
      Math.max(...fromMove)
    }); after the command exited median ${median(delays.map((d) => d.fromExit))} ms`,
  );
}

async function main(): Promise<void> {
  log(
    `load average ${
      (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ")
    }, ` +
      `${MOVES} moves per store`,
  );
  const admin = Deno.env.get("DATABASE_URL") ?? Deno.env.get("SLUICE_TEST_DATABASE_URL");
  if (flags.only !== "embedded" && admin !== undefined) {
    const home = await Deno.makeTempDir({ prefix: "sluice-swap-bench-" });
    const database = await createFreshDatabase(admin);
    try {
      const env = { SLUICE_HOME: home, DATABASE_URL: database.url };
      const delays = await measure(
        env,
        () => openMetadataStore({ databaseUrl: database.url }),
        join(home, "lake"),
      );
      summary("Postgres (LISTEN)", delays);
    } finally {
      await database.drop();
      await Deno.remove(home, { recursive: true });
    }
  }
  if (flags.only !== "postgres") {
    const home = await Deno.makeTempDir({ prefix: "sluice-swap-bench-" });
    try {
      const env = { SLUICE_HOME: home };
      const delays = await measure(
        env,
        () => openMetadataStore({ embeddedDir: join(home, "pg") }),
        join(home, "lake"),
      );
      summary("embedded store (turns on PGlite)", delays);
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  }
}

if (import.meta.main) await main();

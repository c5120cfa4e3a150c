// The model bench's real rows: 31 days at the generator's default rate, built once by Sluice's own
// commands under ~/.cache/sluice-bench/, read from silver as models.fraud_detector reads its window.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { loadDefinitions } from "../assets/definitions.ts";
import { openInstance } from "../cli/instance.ts";
import { DEFAULT_EVENTS_PER_DAY } from "../generator/options.ts";
import { openDuckDb } from "../resources/duckdb/duckdb.ts";
import { DATA_FILE } from "../resources/duckdb/duckdb_sql_engine.ts";
import { loadConfig } from "../resources/config.ts";
import { readFeatureRows } from "../models/feature_rows.ts";
import { createTrainingData, type TrainingData } from "../models/training_data.ts";
import { assetKey } from "../runtime/definitions/asset_key.ts";
import { locationParts } from "../runtime/definitions/part_set.ts";
import { type PartitionKey, partitionKey } from "../runtime/partitions/partition_key.ts";
import { partitionRefKey } from "../runtime/definitions/partition_ref.ts";

const SILVER = assetKey("silver.orders_enriched");
const DAY_MS = 86_400_000;

/** What the rows are built from; the bench home is named for it. */
export interface RealRowsSpec {
  readonly seed: number;
  readonly eventsPerDay: number;
  /** Days generated: the first is history only (silver's per-user features look back). */
  readonly days: number;
  /** First generated day, `YYYY-MM-DD`: fixed, so the home is reused across days. */
  readonly start: string;
}

/** 31 days from 2026-10-01 at the generator's default rate: D = 2026-11-01. */
export const DEFAULT_REAL_ROWS: RealRowsSpec = {
  seed: 42,
  eventsPerDay: DEFAULT_EVENTS_PER_DAY,
  days: 31,
  start: "2026-10-01",
};

export interface RealRows {
  readonly train: TrainingData;
  readonly validation: TrainingData;
  readonly description: string;
  /** Where the generated landing zone, store, lake and the rows written once live. */
  readonly home: string;
}

/** The bench home of `spec`, keyed by seed, rate, days and first day. */
export function benchHome(spec: RealRowsSpec): string {
  return join(
    homedir(),
    ".cache",
    "sluice-bench",
    `model-rows-seed${spec.seed}-${spec.eventsPerDay}perday-${spec.days}days-from${spec.start}`,
  );
}

function day(spec: RealRowsSpec, offset: number): string {
  return new Date(Date.parse(`${spec.start}T00:00:00Z`) + offset * DAY_MS).toISOString().slice(
    0,
    10,
  );
}

/**
 * The rows of `spec`, from the bench home's row files when a previous run wrote them, else built:
 * generate, materialize silver.orders_enriched (with its upstreams) for the days, read the rows.
 */
export async function loadRealRows(
  spec: RealRowsSpec,
  repoDir: string,
  say: (line: string) => void,
): Promise<RealRows> {
  const home = benchHome(spec);
  const rowsDir = join(home, "rows");
  const first = day(spec, 1);
  const validationDay = day(spec, spec.days - 1);
  const modelDay = day(spec, spec.days);
  const description =
    `silver.orders_enriched, seed ${spec.seed}, ${spec.eventsPerDay} events/day, ` +
    `${spec.days} days from ${spec.start}; as models.fraud_detector's partition ${modelDay}: ` +
    `training ${first}..${day(spec, spec.days - 2)}, validation ${validationDay}`;
  if (!existsSync(join(rowsDir, "done"))) {
    await buildRows(spec, home, repoDir, rowsDir, say);
  } else {
    say(`rows: reusing ${rowsDir}`);
  }
  const [train, validation] = await Promise.all([
    readRowFiles(rowsDir, "train"),
    readRowFiles(rowsDir, "validation"),
  ]);
  return {
    train,
    validation,
    description: `${description} (${train.rows} training rows, ${validation.rows} validation)`,
    home,
  };
}

async function buildRows(
  spec: RealRowsSpec,
  home: string,
  repoDir: string,
  rowsDir: string,
  say: (line: string) => void,
): Promise<void> {
  await Deno.mkdir(home, { recursive: true });
  const generated = join(home, "generated");
  if (!existsSync(generated)) {
    // A half-written landing zone from an interrupted run would be appended to: start over.
    await Deno.remove(join(home, "landing"), { recursive: true }).catch(() => {});
    await Deno.remove(join(home, "pg"), { recursive: true }).catch(() => {});
    await Deno.remove(join(home, "lake"), { recursive: true }).catch(() => {});
    await sluice(repoDir, home, say, [
      "generate",
      "--seed",
      String(spec.seed),
      "--days",
      String(spec.days),
      "--events",
      String(spec.eventsPerDay * spec.days),
      "--start",
      spec.start,
    ]);
    await Deno.writeTextFile(generated, JSON.stringify(spec));
  }
  // Materialize is idempotent: after an interrupted run it does what is left.
  await sluice(repoDir, home, say, [
    "materialize",
    "+silver.orders_enriched",
    "--partition",
    `${spec.start}..${day(spec, spec.days - 1)}`,
  ]);
  const started = performance.now();
  const { train, validation } = await readSilverRows(spec, home);
  await Deno.mkdir(rowsDir, { recursive: true });
  await writeRowFiles(rowsDir, "train", train);
  await writeRowFiles(rowsDir, "validation", validation);
  await Deno.writeTextFile(join(rowsDir, "done"), new Date().toISOString());
  say(
    `rows: read from silver in ${((performance.now() - started) / 1000).toFixed(1)} s, ` +
      `written to ${rowsDir}`,
  );
}

/** Runs `sluice.ts args` in `repoDir` on the bench home's embedded store and filesystem lake. */
async function sluice(
  repoDir: string,
  home: string,
  say: (line: string) => void,
  args: string[],
): Promise<void> {
  say(`$ SLUICE_HOME=${home} deno task ${args.join(" ")}`);
  const started = performance.now();
  // Only what Deno needs: no DATABASE_URL or S3 lake from the caller's shell.
  const env: Record<string, string> = { SLUICE_HOME: home, SLUICE_LOG_LEVEL: "warn" };
  for (const name of ["PATH", "HOME", "DENO_DIR", "TMPDIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", join(repoDir, "sluice.ts"), ...args],
    cwd: repoDir,
    clearEnv: true,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (!result.success) {
    const text = new TextDecoder().decode(result.stdout) + new TextDecoder().decode(result.stderr);
    throw new Error(
      `Cannot build the bench rows: 'sluice ${args.join(" ")}' exited ${result.code} after ` +
        `${seconds} s; remove ${home} to start over. Its output:\n${text.slice(-4000)}`,
    );
  }
  say(`  done in ${seconds} s`);
}

/** The window's rows, read from silver's current files as the model asset reads its inputs. */
async function readSilverRows(
  spec: RealRowsSpec,
  home: string,
): Promise<{ train: TrainingData; validation: TrainingData }> {
  const instance = await openInstance(await loadDefinitions(), loadConfig({ SLUICE_HOME: home }));
  try {
    const days = Array.from({ length: spec.days - 1 }, (_, i) => partitionKey(day(spec, i + 1)));
    const pointers = await instance.store.partitions.loadPointers(
      days.map((partition) => ({ assetKey: SILVER, partition })),
    );
    const filesOf = async (partition: PartitionKey): Promise<string[]> => {
      const pointer = pointers.get(partitionRefKey(SILVER, partition));
      if (pointer?.location === undefined) {
        throw new Error(
          `Cannot read the bench rows: silver.orders_enriched ${partition} has no materialization in ${home}; remove the folder to build it again`,
        );
      }
      const parts = await Promise.all(
        locationParts(pointer.location).map((uri) => instance.lake.open(uri)),
      );
      return parts.map((part) => `${part.dir}/${DATA_FILE}`).filter((file) => existsSync(file));
    };
    const trainFiles = (await Promise.all(days.slice(0, -1).map(filesOf))).flat();
    const validationFiles = await filesOf(days.at(-1)!);
    const db = await openDuckDb();
    try {
      const train = await readFeatureRows(db, trainFiles);
      const validation = await readFeatureRows(db, validationFiles);
      return { train: train.data, validation: validation.data };
    } finally {
      db.close();
    }
  } finally {
    await instance.close();
  }
}

const asBytes = (array: Float32Array | Uint8Array) =>
  new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

/** Row-major float32 features (NaN for missing) and 0/1 label bytes: what both engines read. */
export async function writeRowFiles(dir: string, name: string, data: TrainingData): Promise<void> {
  await Deno.writeFile(join(dir, `${name}_features.f32`), asBytes(data.features));
  await Deno.writeFile(join(dir, `${name}_labels.u8`), data.labels);
}

export async function readRowFiles(
  dir: string,
  name: string,
  featureCount?: number,
): Promise<TrainingData> {
  const raw = await Deno.readFile(join(dir, `${name}_features.f32`));
  return createTrainingData({
    features: new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4),
    labels: await Deno.readFile(join(dir, `${name}_labels.u8`)),
    ...(featureCount !== undefined && { featureCount }),
  });
}

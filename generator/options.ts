// The generator's command line: flags parsed with node:util, checked once, and turned into
// one typed options value; every mistake becomes a FlagError naming the flag and the fix.
import { parseArgs } from "node:util";
import { FlagError } from "./errors.ts";
import { DEFAULT_BATCH_SIZE } from "./landing_writer.ts";

export interface GeneratorOptions {
  readonly seed: number;
  readonly events: number;
  readonly days: number;
  /** Epoch ms of midnight UTC of the first day. */
  readonly start: number;
  readonly fraudRate: number;
  readonly malformedRate: number;
  readonly landing: string;
  readonly batchSize: number;
  /** Produce to Kafka (KAFKA_BROKERS) instead of writing the landing zone. */
  readonly kafka?: boolean;
  /** With --kafka: events per second to hold to; undefined is as fast as the broker takes. */
  readonly targetRate?: number;
}

export const DEFAULT_EVENTS_PER_DAY = 50_000;
const DAY_MS = 86_400_000;

export const USAGE = `Usage: deno task generate [flags]

Writes synthetic orders, payments, users, devices, geo_events and refunds as NDJSON batches
into the landing zone, appending after what is already there.

  --seed N              random seed (default 42); the same flags give byte-identical files
  --events N            total events (default ${DEFAULT_EVENTS_PER_DAY} per day)
  --days D              whole days to cover (default 1)
  --rate R              average events per second, instead of --events
  --start YYYY-MM-DD    first day, UTC (default yesterday)
  --fraud-rate F        share of orders that are fraud (default 0.03)
  --malformed-rate F    share of events that are malformed (default 0.001)
  --landing DIR         landing zone (default $SLUICE_HOME/landing, else .sluice/landing)
  --batch-size N        lines per batch file (default ${DEFAULT_BATCH_SIZE}); with --kafka,
                        events per produce request
  --kafka               produce to the topics on KAFKA_BROKERS (keyed by user id, gzip,
                        one transaction per batch) instead of writing the landing zone
  --target-rate N       with --kafka: hold production to N events per second
  -h, --help            show this help`;

/** Parses `args`; returns undefined when help was asked for. */
export function parseGeneratorArgs(
  args: readonly string[],
  env: { readonly SLUICE_HOME?: string } = {},
  now: Date = new Date(),
): GeneratorOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        seed: { type: "string" },
        events: { type: "string" },
        days: { type: "string" },
        rate: { type: "string" },
        start: { type: "string" },
        "fraud-rate": { type: "string" },
        "malformed-rate": { type: "string" },
        landing: { type: "string" },
        "batch-size": { type: "string" },
        kafka: { type: "boolean" },
        "target-rate": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new FlagError(`${(error as Error).message}; run with --help for the flags`);
  }
  if (values.help) return undefined;
  if (values.events !== undefined && values.rate !== undefined) {
    throw new FlagError(
      "Cannot use --events together with --rate: give a total or a rate, not both",
    );
  }
  const days = values.days === undefined ? 1 : integer("days", values.days, 1, 3660);
  const events = values.events !== undefined
    ? integer("events", values.events, 1, 1e9)
    : values.rate !== undefined
    ? Math.round(days * 86_400 * real("rate", values.rate, 1e-6, 1e6))
    : days * DEFAULT_EVENTS_PER_DAY;
  if (values["target-rate"] !== undefined && !values.kafka) {
    throw new FlagError(
      "Cannot use --target-rate without --kafka: the landing zone is written at once",
    );
  }
  if (events < 1) throw new FlagError(`Cannot generate ${events} events: raise --rate or --days`);
  return {
    seed: values.seed === undefined ? 42 : integer("seed", values.seed, 0, 0xffffffff),
    events,
    days,
    start: values.start === undefined ? yesterday(now) : date("start", values.start),
    fraudRate: values["fraud-rate"] === undefined
      ? 0.03
      : real("fraud-rate", values["fraud-rate"], 0, 0.5),
    malformedRate: values["malformed-rate"] === undefined
      ? 0.001
      : real("malformed-rate", values["malformed-rate"], 0, 0.5),
    landing: values.landing ?? `${env.SLUICE_HOME ?? ".sluice"}/landing`,
    batchSize: values["batch-size"] === undefined
      ? DEFAULT_BATCH_SIZE
      : integer("batch-size", values["batch-size"], 1, 10_000_000),
    kafka: values.kafka ?? false,
    targetRate: values["target-rate"] === undefined
      ? undefined
      : real("target-rate", values["target-rate"], 1, 10_000_000),
  };
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    throw new FlagError(
      `Cannot use --${flag} ${JSON.stringify(text)}: expected a whole number from ${min} to ${max}`,
    );
  }
  return value;
}

function real(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < min || value > max) {
    throw new FlagError(
      `Cannot use --${flag} ${JSON.stringify(text)}: expected a number from ${min} to ${max}`,
    );
  }
  return value;
}

function date(flag: string, text: string): number {
  const value = Date.parse(`${text}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(value) ||
    new Date(value).toISOString().slice(0, 10) !== text
  ) {
    throw new FlagError(
      `Cannot use --${flag} ${JSON.stringify(text)}: expected a date as YYYY-MM-DD`,
    );
  }
  return value;
}

function yesterday(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - DAY_MS;
}

// Configuration from the environment, checked with zod once at start-up. A wrong value stops
// the program with one line naming the variable and what is expected.
import { z } from "zod";
import { ConfigError } from "../runtime/errors.ts";

const positiveInt = (what: string) =>
  z.string().regex(/^\d+$/, `expected ${what}`).transform(Number).refine(
    (n) => n > 0,
    `expected ${what}`,
  );

const schema = z.object({
  SLUICE_HOME: z.string().min(1, "expected a directory path").default(".sluice"),
  DATABASE_URL: z.string().regex(
    /^postgres(ql)?:\/\/\S+$/,
    "expected a Postgres URL like postgres://user:password@host:5432/database",
  ).optional(),
  SLUICE_LAKE: z.string().min(1, "expected a directory path").refine(
    (value) => !/^[a-z0-9]+:\/\//i.test(value) || value.startsWith("file://"),
    "expected a local directory (or file:// URL); object-store lakes are not supported yet",
  ).optional(),
  SLUICE_CONCURRENCY: positiveInt("a positive whole number of parallel materializations")
    .optional(),
  SLUICE_LOG_LEVEL: z.enum(
    ["debug", "info", "warn", "error"],
    "expected debug, info, warn or error",
  )
    .default("info"),
  SLUICE_LOG_FORMAT: z.enum(["pretty", "json"], "expected pretty or json").default("pretty"),
  SLUICE_LEASE_TTL_MS: positiveInt("a whole number of milliseconds, at least 1000")
    .refine((n) => n >= 1000, "expected a whole number of milliseconds, at least 1000")
    .default(30_000),
  SLUICE_LOCK_WAIT_MS: z.string().regex(/^\d+$/, "expected a whole number of milliseconds")
    .transform(Number).default(600_000),
});

export interface Config {
  /** Where embedded state lives: the PGlite data dir, the local lake, the landing zone. */
  readonly home: string;
  readonly databaseUrl: string | undefined;
  readonly lakeRoot: string;
  readonly concurrency: number;
  readonly logLevel: "debug" | "info" | "warn" | "error";
  readonly logFormat: "pretty" | "json";
  readonly leaseTtlMs: number;
  readonly lockWaitMs: number;
}

/** Reads and checks the configuration; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([key, value]) =>
      key in schema.shape && value !== undefined && value !== ""
    ),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0]);
    // Connection strings carry passwords: name the variable, never echo its value.
    const shown = variable === "DATABASE_URL" ? "" : `=${JSON.stringify(env[variable] ?? "")}`;
    throw new ConfigError(
      `Invalid configuration: ${variable}${shown}: ${issue.message}`,
      variable,
    );
  }
  const value = parsed.data;
  const home = value.SLUICE_HOME;
  return {
    home,
    databaseUrl: value.DATABASE_URL,
    lakeRoot: value.SLUICE_LAKE?.replace(/^file:\/\//, "") ?? `${home}/lake`,
    concurrency: value.SLUICE_CONCURRENCY ?? navigator.hardwareConcurrency ?? 2,
    logLevel: value.SLUICE_LOG_LEVEL,
    logFormat: value.SLUICE_LOG_FORMAT,
    leaseTtlMs: value.SLUICE_LEASE_TTL_MS,
    lockWaitMs: value.SLUICE_LOCK_WAIT_MS,
  };
}

// SQL assets as files: every `*.sql` under a folder becomes an asset whose upstreams are its
// `ref()` calls and whose options come from a YAML header comment; an engine runs the SQL.
import { join, relative, sep } from "node:path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { type AssetDefinition, defineAsset } from "../definitions/asset.ts";
import { type AssetKey, assetKey } from "../definitions/asset_key.ts";
import { DefinitionError } from "../errors.ts";
import { daily } from "../partitions/daily_partitions.ts";
import { type PartitionsDefinition, unpartitioned } from "../partitions/definition.ts";
import {
  allPartitions,
  identity,
  latestPartition,
  type PartitionMapping,
  windowDays,
} from "../partitions/mapping.ts";
import { staticPartitions } from "../partitions/static_partitions.ts";
import type { RetryPolicy } from "../definitions/policies.ts";
import { hashParts } from "../definitions/version.ts";
import { dataTestChecks, parseDataTests } from "./data_tests.ts";
import { MappedSql } from "./mapped_sql.ts";
import { normalizeQuery, queryExtent } from "./query_text.ts";
import { extractRefs, type RefSpan, renderRefs } from "./ref_parser.ts";
import type { SqlAssetSource, SqlEngine, SqlFilePosition } from "./sql_engine.ts";
import { lineOf } from "./sql_scanner.ts";

export interface LoadSqlAssetsOptions {
  readonly engines: Readonly<Record<string, SqlEngine>>;
  /** The engine of files whose header names none. */
  readonly defaultEngine: string;
}

const DependencySchema = z.discriminatedUnion("mapping", [
  z.strictObject({ mapping: z.literal("identity") }),
  z.strictObject({ mapping: z.literal("all") }),
  z.strictObject({ mapping: z.literal("latest") }),
  z.strictObject({ mapping: z.literal("window"), days: z.number().int().positive() }),
]);

const PartitionsSchema = z.union([
  z.strictObject({
    daily: z.strictObject({
      start: z.string(),
      end: z.string().optional(),
      timezone: z.string().optional(),
    }),
  }),
  z.strictObject({ static: z.array(z.string()).min(1) }),
], {
  error: 'expected { daily: { start: "YYYY-MM-DD", timezone?: ... } } or { static: [names] }',
});

/** The fields the runtime owns; any other top-level field is engine config. */
const HeaderSchema = z.looseObject({
  key: z.string().optional(),
  engine: z.string().optional(),
  group: z.string().optional(),
  description: z.string().optional(),
  tags: z.array(z.string()).optional(),
  partitions: PartitionsSchema.optional(),
  deps: z.record(z.string(), DependencySchema).optional(),
  freshness: z.strictObject({ maximum_lag_minutes: z.number().positive() }).optional(),
  retry: z.strictObject({
    max_attempts: z.number().int().positive().optional(),
    initial_delay_ms: z.number().nonnegative().optional(),
    max_delay_ms: z.number().nonnegative().optional(),
    jitter: z.number().min(0).max(1).optional(),
    retry_on: z.enum(["transient", "all"]).optional(),
  }).optional(),
  timeout_ms: z.number().positive().optional(),
  /** Data tests (data_tests.ts), validated there so errors name the test. */
  tests: z.array(z.unknown()).optional(),
});

type Header = z.infer<typeof HeaderSchema>;

const RUNTIME_FIELDS = new Set(Object.keys(HeaderSchema.shape));

/** Loads every `*.sql` file under `dir`, in sorted path order, as an asset definition. */
export async function loadSqlAssets(
  dir: string,
  options: LoadSqlAssetsOptions,
): Promise<AssetDefinition[]> {
  if (!(options.defaultEngine in options.engines)) {
    throw new DefinitionError(
      `Cannot use '${options.defaultEngine}' as the default SQL engine: expected one of ${
        Object.keys(options.engines).join(", ")
      }`,
    );
  }
  const assets: AssetDefinition[] = [];
  const fileOf = new Map<AssetKey, string>();
  for (const relativePath of await listSqlFiles(dir)) {
    const path = join(dir, relativePath);
    const asset = sqlAsset(path, relativePath, await Deno.readTextFile(path), options);
    const other = fileOf.get(asset.key);
    if (other !== undefined) {
      throw new DefinitionError(
        `Asset '${asset.key}' is defined by both ${other} and ${path}: give each file a unique key`,
        asset.key,
      );
    }
    fileOf.set(asset.key, path);
    assets.push(asset);
  }
  return assets;
}

/** One SQL file as an asset; `relativePath` (from the SQL folder) gives its default key. */
export function sqlAsset(
  path: string,
  relativePath: string,
  text: string,
  options: LoadSqlAssetsOptions,
): AssetDefinition {
  try {
    return buildSqlAsset(path, relativePath, text, options);
  } catch (error) {
    // Errors from the shared validators name the key or value but not the file; add it.
    if (error instanceof DefinitionError && !error.message.includes(path)) {
      throw new DefinitionError(`${error.message} (in ${path})`, error.assetKey);
    }
    throw error;
  }
}

function buildSqlAsset(
  path: string,
  relativePath: string,
  text: string,
  options: LoadSqlAssetsOptions,
): AssetDefinition {
  const { header, bodyStart } = readHeader(path, text);
  const key = assetKey(header.key ?? keyFromPath(relativePath));
  const engineName = header.engine ?? options.defaultEngine;
  const engine = options.engines[engineName];
  if (engine === undefined) {
    throw new DefinitionError(
      `Cannot run ${path} with engine '${engineName}': expected one of ${
        Object.keys(options.engines).join(", ")
      }`,
      key,
    );
  }
  const spans = extractRefs(text, path);
  const resolve = (ref: AssetKey) => engine.resolveRef?.(ref) ?? ref;
  const refKeys = [...new Set(spans.map((span) => resolve(span.key)))];
  const tests = parseDataTests(header.tests, path);
  if (tests.length > 0 && engine.openTestSession === undefined) {
    throw new DefinitionError(
      `Cannot run the tests of ${path}: engine '${engineName}' has no data test support`,
      key,
    );
  }
  for (const test of tests) {
    if (test.upstream !== undefined && !refKeys.includes(resolve(test.upstream))) {
      throw new DefinitionError(
        `Test '${test.name}' of ${path} joins '${test.upstream}', which the SQL does not ref(); ` +
          `ref it so the graph orders the two`,
        key,
      );
    }
  }
  const mappings = dependencyMappings(path, key, header, refKeys, resolve);
  const body = text.slice(bodyStart);
  assertOneQuery(path, text, bodyStart, key);
  const bodySpans: readonly RefSpan[] = Object.freeze(
    spans.map((span) =>
      Object.freeze({ key: span.key, start: span.start - bodyStart, end: span.end - bodyStart })
    ),
  );
  const source: SqlAssetSource = Object.freeze({
    key,
    path,
    body,
    refs: bodySpans,
    config: engineConfig(header),
    testsVersion: hashParts([JSON.stringify(header.tests ?? [])]),
    render: (relationFor: (key: AssetKey) => string) => renderRefs(body, bodySpans, relationFor),
    query: (relationFor: (key: AssetKey) => string) =>
      normalizeQuery(
        MappedSql.of(body).replace(
          bodySpans.map((span) => ({ ...span, text: relationFor(span.key) })),
        ),
      ),
    locate: (bodyOffset: number) => positionIn(text, bodyStart + bodyOffset),
  });
  engine.register?.(source);
  return defineAsset({
    key,
    ...(header.group !== undefined && { group: header.group }),
    ...(header.tags !== undefined && { tags: header.tags }),
    ...(header.description !== undefined && { description: header.description }),
    partitions: partitionsOf(header),
    refs: refKeys.map((ref) => ({ key: ref, mapping: mappings.get(ref) })),
    ...(header.freshness && {
      freshness: { maximumLagMinutes: header.freshness.maximum_lag_minutes },
    }),
    ...(header.retry && { retry: retryOf(header.retry) }),
    ...(header.timeout_ms !== undefined && { timeoutMs: header.timeout_ms }),
    checks: dataTestChecks(tests, (ctx) => engine.openTestSession!(ctx, source)),
    sql: text,
    renderSql: () => engine.preview?.(source) ?? source.render((ref) => ref),
    materialize: (ctx) => engine.materialize(ctx, source),
  });
}

/** A SQL asset is one query: refuse an empty body or a second statement, naming the line. */
function assertOneQuery(path: string, text: string, bodyStart: number, key: AssetKey): void {
  const extent = queryExtent(text.slice(bodyStart));
  if (extent.ok) return;
  throw new DefinitionError(
    extent.problem === "empty"
      ? `Cannot load SQL asset ${path}: it holds no query after its header; write one SELECT`
      : `Cannot load SQL asset ${path}: line ${
        lineOf(text, bodyStart + extent.at)
      } starts a second statement after a ';': a SQL asset is one query`,
    key,
  );
}

/** The line and column (both from 1) of an offset into the file's text. */
function positionIn(text: string, offset: number): SqlFilePosition {
  const at = Math.max(0, Math.min(offset, text.length));
  const lineStart = text.lastIndexOf("\n", at - 1) + 1;
  return { line: lineOf(text, at), column: at - lineStart + 1 };
}

/** `marts/fact_orders.sql` → `marts.fact_orders`. */
function keyFromPath(relativePath: string): string {
  return relativePath.replace(/\.sql$/, "").split(/[\\/]/).join(".");
}

async function listSqlFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    for await (const entry of Deno.readDir(folder)) {
      const path = join(folder, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && entry.name.endsWith(".sql")) {
        files.push(relative(dir, path).split(sep).join("/"));
      }
    }
  };
  await walk(dir);
  // Code-unit order, not locale order: the same files load in the same order everywhere.
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The validated header and where the SQL body starts; no leading block comment = no header. */
function readHeader(path: string, text: string): { header: Header; bodyStart: number } {
  const open = text.length - text.trimStart().length;
  if (!text.startsWith("/*", open)) return { header: {}, bodyStart: 0 };
  const close = text.indexOf("*/", open + 2);
  if (close === -1) {
    throw new DefinitionError(
      `Cannot read the header of ${path} at line ${
        lineOf(text, open)
      }: the comment never ends; expected '*/'`,
    );
  }
  const yamlStart = open + 2;
  const document = parseDocument(text.slice(yamlStart, close));
  const [yamlError] = document.errors;
  if (yamlError) {
    const line = lineOf(text, yamlStart) + (yamlError.linePos?.[0].line ?? 1) - 1;
    throw new DefinitionError(
      `Cannot read the YAML header of ${path} at line ${line}: ${yamlReason(yamlError.message)}`,
    );
  }
  const raw: unknown = document.toJS() ?? {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new DefinitionError(
      `Cannot read the header of ${path}: got ${
        JSON.stringify(raw)
      }; expected YAML fields such as 'key: marts.fact_orders' (use '--' comments for prose)`,
    );
  }
  const parsed = HeaderSchema.safeParse(raw);
  if (!parsed.success) {
    throw new DefinitionError(
      `Cannot load SQL asset ${path}: ${describeIssue(parsed.error.issues[0], raw)}`,
    );
  }
  const afterHeader = close + 2;
  const rest = text.slice(afterHeader);
  return { header: parsed.data, bodyStart: afterHeader + (rest.length - rest.trimStart().length) };
}

/** Nested fields by parent, to name the choices when a header has an unknown one. */
const NESTED_FIELDS: Readonly<Record<string, string>> = {
  "retry": "max_attempts, initial_delay_ms, max_delay_ms, jitter, retry_on",
  "freshness": "maximum_lag_minutes",
  "partitions.daily": "start, end, timezone",
  "deps.*": "mapping, days",
};

const TYPE_NAMES: Readonly<Record<string, string>> = {
  int: "a whole number",
  number: "a number",
  string: "a string",
  array: "a list",
  object: "a mapping of fields",
};

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const field = issue.path.map(String).join(".");
  const value = valueAt(raw, issue.path);
  const subject = `header field '${field}' ${
    value === undefined ? "is missing" : `is ${JSON.stringify(value)}`
  }`;
  switch (issue.code) {
    case "invalid_type":
      return `${subject}: expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case "too_small":
      if (issue.origin === "array") return `${subject}: expected at least ${issue.minimum} item`;
      return `${subject}: expected ${issue.inclusive ? "at least" : "more than"} ${issue.minimum}`;
    case "too_big":
      return `${subject}: expected ${issue.inclusive ? "at most" : "less than"} ${issue.maximum}`;
    case "unrecognized_keys": {
      const parent = issue.path[0] === "deps" ? "deps.*" : field;
      const unknown = issue.keys.map((key) => `'${key}'`).join(", ");
      return `header field '${field}' has unknown field ${unknown}: expected ${
        NESTED_FIELDS[parent] ?? "only the documented fields"
      }`;
    }
    case "invalid_union":
      if ("discriminator" in issue && issue.discriminator === "mapping") {
        return `${subject}: expected identity, all, latest or window (with days)`;
      }
      return `${subject}: ${issue.message}`;
    default:
      return `${subject}: ${issue.message}`;
  }
}

// The parser's own position is relative to the comment, not the file: drop it.
function yamlReason(message: string): string {
  return message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const part of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function dependencyMappings(
  path: string,
  key: AssetKey,
  header: Header,
  refKeys: readonly AssetKey[],
  resolve: (ref: AssetKey) => AssetKey,
): Map<AssetKey, PartitionMapping> {
  const mappings = new Map<AssetKey, PartitionMapping>();
  for (const [written, spec] of Object.entries(header.deps ?? {})) {
    const name = resolve(written as AssetKey);
    if (!refKeys.includes(name)) {
      throw new DefinitionError(
        `Cannot map dependency '${name}' in the header of ${path}: the SQL does not ref() it; expected one of ${
          refKeys.length === 0 ? "(no refs)" : refKeys.join(", ")
        }`,
        key,
      );
    }
    mappings.set(name as AssetKey, mappingOf(spec));
  }
  return mappings;
}

function mappingOf(spec: z.infer<typeof DependencySchema>): PartitionMapping {
  switch (spec.mapping) {
    case "identity":
      return identity();
    case "all":
      return allPartitions();
    case "latest":
      return latestPartition();
    case "window":
      return windowDays(spec.days);
  }
}

function partitionsOf(header: Header): PartitionsDefinition {
  const partitions = header.partitions;
  if (partitions === undefined) return unpartitioned;
  if ("daily" in partitions) return daily(partitions.daily);
  return staticPartitions(partitions.static);
}

function retryOf(retry: NonNullable<Header["retry"]>): Partial<RetryPolicy> {
  // Only the fields given: an explicit undefined would override the runtime defaults.
  return {
    ...(retry.max_attempts !== undefined && { maxAttempts: retry.max_attempts }),
    ...(retry.initial_delay_ms !== undefined && { initialDelayMs: retry.initial_delay_ms }),
    ...(retry.max_delay_ms !== undefined && { maxDelayMs: retry.max_delay_ms }),
    ...(retry.jitter !== undefined && { jitter: retry.jitter }),
    ...(retry.retry_on !== undefined && { retryOn: retry.retry_on }),
  };
}

function engineConfig(header: Header): Readonly<Record<string, unknown>> {
  const config: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(header)) {
    if (!RUNTIME_FIELDS.has(field)) config[field] = deepFreeze(value);
  }
  return Object.freeze(config);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

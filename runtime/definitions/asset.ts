// Asset definitions as readonly values: `defineAsset` for materialized assets (TS or SQL) and
// `defineSource` for observable sources. Upstreams are given as values, so a missing one is a
// compile error; each definition is validated once, when it is built.
import { type AssetKey, assetKey, keyPrefix } from "./asset_key.ts";
import type { AssetCheck } from "./check.ts";
import type { AutomationCondition } from "./automation_condition.ts";
import type {
  MaterializeContext,
  MaterializeResult,
  Observation,
  ObserveContext,
} from "./context.ts";
import { DefinitionError } from "../errors.ts";
import type { PartitionsDefinition } from "../partitions/definition.ts";
import { unpartitioned } from "../partitions/definition.ts";
import type { PartitionMapping } from "../partitions/mapping.ts";
import {
  DEFAULT_RETRY,
  DEFAULT_TIMEOUT_MS,
  type FreshnessPolicy,
  type RetryPolicy,
  validateFreshness,
  validateRetry,
  validateTimeout,
} from "./policies.ts";
import { type CodeVersion, codeVersionOf } from "./version.ts";

export type AnyAsset = AssetDefinition | SourceAsset;

/** An upstream with an explicit partition mapping. */
export interface Dependency<A extends AnyAsset = AnyAsset> {
  readonly asset: A;
  readonly mapping: PartitionMapping;
}

export type DependencyInput = AnyAsset | Dependency;

/** A resolved edge: the upstream key and the mapping, if one was given. */
export interface DependencyEdge {
  readonly key: AssetKey;
  readonly mapping: PartitionMapping | undefined;
}

interface Described {
  readonly key: AssetKey;
  readonly group: string;
  readonly tags: readonly string[];
  readonly description: string;
  readonly partitions: PartitionsDefinition;
}

export interface AssetDefinition extends Described {
  readonly kind: "asset";
  readonly deps: readonly DependencyEdge[];
  readonly freshness: FreshnessPolicy | undefined;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  readonly checks: readonly AssetCheck[];
  /** When the daemon materializes it on its own; undefined: only when asked. */
  readonly automation: AutomationCondition | undefined;
  readonly codeVersion: CodeVersion;
  /** The SQL text of a SQL asset, header included. */
  readonly sql: string | undefined;
  /** The SQL as its engine runs it, refs resolved, for `assets --sql`. */
  readonly renderSql: (() => string) | undefined;
  readonly materialize: (ctx: MaterializeContext) => Promise<MaterializeResult>;
}

export interface SourceAsset extends Described {
  readonly kind: "source";
  readonly observe: (ctx: ObserveContext) => Promise<Observation>;
}

type UpstreamOf<D extends readonly DependencyInput[]> = D[number] extends infer X
  ? X extends Dependency<infer A> ? A : X extends AnyAsset ? X : never
  : never;

interface DescribedSpec {
  readonly key: string;
  readonly group?: string;
  readonly tags?: readonly string[];
  readonly description?: string;
  readonly partitions?: PartitionsDefinition;
}

export interface AssetSpec<D extends readonly DependencyInput[]> extends DescribedSpec {
  readonly deps?: D;
  /** Upstreams named by key, for SQL assets whose dependencies come from `ref()`. */
  readonly refs?: readonly { readonly key: string; readonly mapping?: PartitionMapping }[];
  readonly freshness?: FreshnessPolicy;
  readonly retry?: Partial<RetryPolicy>;
  readonly timeoutMs?: number;
  readonly checks?: readonly AssetCheck[];
  /** When the daemon materializes it on its own: eager(), onCron(expr, tz) or missing(). */
  readonly automation?: AutomationCondition;
  /** Overrides the code version, which is otherwise a hash of `materialize`'s source. */
  readonly codeVersion?: string;
  readonly sql?: string;
  readonly renderSql?: () => string;
  materialize(ctx: MaterializeContext<UpstreamOf<D>>): Promise<MaterializeResult>;
}

export interface SourceSpec extends DescribedSpec {
  observe(ctx: ObserveContext): Promise<Observation>;
}

/** Pairs an upstream with a partition mapping, as in `deps: [dep(bronze, windowDays(30))]`. */
export function dep<A extends AnyAsset>(asset: A, mapping: PartitionMapping): Dependency<A> {
  return { asset, mapping };
}

export function defineAsset<const D extends readonly DependencyInput[] = readonly []>(
  spec: AssetSpec<D>,
): AssetDefinition {
  const described = describe(spec);
  const key = described.key;
  const fromValues: DependencyEdge[] = (spec.deps ?? []).map((input) =>
    "mapping" in input && "asset" in input
      ? { key: input.asset.key, mapping: input.mapping }
      : { key: (input as AnyAsset).key, mapping: undefined }
  );
  const fromRefs: DependencyEdge[] = (spec.refs ?? []).map((ref) => ({
    key: assetKey(ref.key),
    mapping: ref.mapping,
  }));
  const deps = [...fromValues, ...fromRefs];
  const seen = new Set<string>();
  for (const edge of deps) {
    if (edge.key === key) throw new DefinitionError(`Asset '${key}' cannot depend on itself`, key);
    if (seen.has(edge.key)) {
      throw new DefinitionError(`Asset '${key}' lists upstream '${edge.key}' twice`, key);
    }
    seen.add(edge.key);
  }
  const checkNames = new Set<string>();
  for (const check of spec.checks ?? []) {
    if (checkNames.has(check.name)) {
      throw new DefinitionError(`Asset '${key}' defines check '${check.name}' twice`, key);
    }
    checkNames.add(check.name);
  }
  const materialize = spec.materialize.bind(spec) as AssetDefinition["materialize"];
  return Object.freeze({
    kind: "asset",
    ...described,
    deps: Object.freeze(deps),
    freshness: spec.freshness && validateFreshness(key, spec.freshness),
    retry: validateRetry(key, { ...DEFAULT_RETRY, ...definedFields(spec.retry ?? {}) }),
    timeoutMs: validateTimeout(key, spec.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    checks: Object.freeze([...(spec.checks ?? [])]),
    automation: spec.automation,
    codeVersion: codeVersionOf(spec.codeVersion ?? spec.sql ?? spec.materialize.toString()),
    sql: spec.sql,
    renderSql: spec.renderSql,
    materialize,
  });
}

export function defineSource(spec: SourceSpec): SourceAsset {
  return Object.freeze({
    kind: "source",
    ...describe(spec),
    observe: spec.observe.bind(spec),
  });
}

function describe(spec: DescribedSpec): Described {
  const key = assetKey(spec.key);
  for (const tag of spec.tags ?? []) {
    if (!/^[a-z0-9_.:=-]+$/i.test(tag)) {
      throw new DefinitionError(
        `Asset '${key}' has tag '${tag}': expected letters, digits and _ . : = -`,
        key,
      );
    }
  }
  return {
    key,
    group: spec.group ?? keyPrefix(key),
    tags: Object.freeze([...(spec.tags ?? [])]),
    description: spec.description ?? "",
    partitions: spec.partitions ?? unpartitioned,
  };
}

/** Drops fields set to undefined, so `{ maxAttempts: undefined }` keeps the default. */
function definedFields<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

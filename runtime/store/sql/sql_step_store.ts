// StepStore over SQL: each call is one statement running a function of migration 0008
// (begin_step as 0009 redefined it, finish_step) or 0010 (commit_and_begin_step), whose inner
// statements keep their plans cached in the session. A step's commit on its own is
// PartitionStore.commitMaterialization (record_materialization).
import type { AssetKey } from "../../definitions/asset_key.ts";
import type { PartitionKey } from "../../partitions/partition_key.ts";
import type { SqlClient } from "../../sql_client.ts";
import type { AttemptStatus, LastAttempt, NewMaterialization } from "../partition_store.ts";
import type { RunId } from "../run_store.ts";
import type { StepBegin, StepEnd, StepStart, StepStore } from "../step_store.ts";
import { assertMaterializationPackable, materializationArgs } from "./materialization_rows.ts";
import { assertPackable } from "./packed_states.ts";
import { parsedJson, type PointerJson, refsJson, toPointers } from "./pointer_json.ts";
import { type LeaseRow, toLease } from "./sql_lease_store.ts";
import { lostLease } from "./sql_partition_store.ts";

export class SqlStepStore implements StepStore {
  constructor(private readonly sql: SqlClient) {}

  async begin(start: StepStart): Promise<StepBegin> {
    assertPackable(start.assetKey, { partition: start.partition, "run id": start.runId });
    const [{ result }] = await this.sql.query<{ result: BeginJson | string }>(
      `select platform.begin_step($1, $2, $3, $4, $5::float8, $6::timestamptz,
                                  $7::text::jsonb, $8::boolean) as result`,
      [
        start.assetKey,
        start.partition,
        start.runId,
        start.owner,
        start.ttlMs,
        start.at,
        refsJson(start.reads),
        // Durable on PGlite only: on a server the begin's commit does not wait for its WAL
        // flush, as every commit fences on the lease (see migration 0009 for why).
        this.sql.dialect === "pglite",
      ],
    );
    return toBegin(start, parsedJson(result));
  }

  async commitAndBegin(m: NewMaterialization, next: StepStart): Promise<StepBegin | undefined> {
    assertMaterializationPackable(m);
    assertPackable(next.assetKey, { partition: next.partition, "run id": next.runId });
    const [{ result }] = await this.sql.query<{ result: CommitAndBeginJson | string | null }>(
      `select platform.commit_and_begin_step($1, $2, $3, $4, $5, $6, $7, $8, $9::bigint,
         $10::bigint, $11::text::jsonb, $12::timestamptz, $13::timestamptz, $14::text::jsonb,
         $15, $16, $17, $18::float8, $19::timestamptz, $20::text::jsonb) as result`,
      [
        ...materializationArgs(m),
        next.assetKey,
        next.partition,
        next.owner,
        next.ttlMs,
        next.at,
        refsJson(next.reads),
      ],
    );
    if (result === null) throw await lostLease(this.sql, m);
    const { next: begun } = parsedJson(result);
    return begun === null ? undefined : toBegin(next, begun);
  }

  async finish(
    assetKey: AssetKey,
    partition: PartitionKey,
    runId: RunId,
    end: StepEnd,
  ): Promise<boolean> {
    const set = "attempt" in end ? end.attempt : undefined;
    const restore = "restore" in end ? end.restore : undefined;
    const [{ held }] = await this.sql.query<{ held: boolean }>(
      `select platform.finish_step($1, $2, $3, $4, $5::timestamptz, $6, $7, $8,
                                   $9::timestamptz, $10) as held`,
      [
        assetKey,
        partition,
        runId,
        set?.status ?? null,
        set?.at ?? null,
        set?.error ?? null,
        restore?.runId ?? null,
        restore?.status ?? null,
        restore?.at ?? null,
        restore?.error ?? null,
      ],
    );
    return held;
  }
}

function toBegin(start: StepStart, begun: BeginJson): StepBegin {
  if (!begun.claimed) {
    const where = { asset_key: start.assetKey, partition_key: start.partition };
    return { claimed: false, heldBy: toLease({ ...begun.holder, ...where }) };
  }
  return {
    claimed: true,
    pointers: toPointers(begun.pointers),
    previous: toAttempt(begun.previous),
  };
}

interface CommitAndBeginJson {
  next: BeginJson | null;
  error?: string;
}

type BeginJson =
  | { claimed: true; previous: AttemptJson | null; pointers: PointerJson[] }
  | { claimed: false; holder: Omit<LeaseRow, "asset_key" | "partition_key"> };

interface AttemptJson {
  run: string;
  status: string;
  at: number;
  error: string | null;
}

function toAttempt(a: AttemptJson | null): LastAttempt | undefined {
  if (a === null) return undefined;
  return {
    runId: a.run as RunId,
    status: a.status as AttemptStatus,
    at: new Date(Number(a.at)),
    error: a.error ?? undefined,
  };
}

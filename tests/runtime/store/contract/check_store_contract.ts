// The CheckStore contract: the cases every backend's store passes.
import assert from "node:assert/strict";
import { type CheckResult } from "../../../../runtime/definitions/check.ts";
import { type MaterializationId, type RunId } from "../../../../runtime/store/metadata_store.ts";
import {
  at,
  DAY1,
  DAY2,
  ENRICHED,
  newRun,
  ORDERS,
  SOURCE,
  type StoreTest,
} from "./store_contract_harness.ts";

export function checkStoreContract(test: StoreTest): void {
  test("latestCheckResults() returns the latest result of each check per partition", async (store) => {
    await store.runs.startRun(newRun("run-1"));
    const notNull: CheckResult = {
      name: "order_id_not_null",
      severity: "error",
      passed: false,
      message: "3 rows have a null order_id",
      failingRows: [{ order_id: null, amount: 12.5 }],
      failingCount: 3,
    };
    const unique: CheckResult = {
      name: "order_id_unique",
      severity: "warn",
      passed: true,
      message: "ok",
    };
    const run = "run-1" as RunId;
    const m1 = "m-1" as MaterializationId;
    await store.checks.recordCheckResults(run, ORDERS, DAY1, m1, [notNull, unique], at(0));
    const fixed = { ...notNull, passed: true, message: "ok" };
    delete (fixed as { failingRows?: unknown }).failingRows;
    delete (fixed as { failingCount?: unknown }).failingCount;
    await store.checks.recordCheckResults(
      run,
      ORDERS,
      DAY1,
      "m-2" as MaterializationId,
      [fixed],
      at(10),
    );
    await store.checks.recordCheckResults(run, ORDERS, DAY2, m1, [notNull], at(5));
    await store.checks.recordCheckResults(run, ENRICHED, DAY1, m1, [unique], at(5));

    const latest = await store.checks.latestCheckResults(ORDERS);
    assert.deepEqual([...latest.keys()].sort(), [DAY1, DAY2]);
    const byName = (list: readonly CheckResult[] | undefined) =>
      [...(list ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(byName(latest.get(DAY1)), [
      { ...fixed, at: at(10) },
      { ...unique, at: at(0) },
    ]);
    assert.deepEqual(latest.get(DAY2), [{ ...notNull, at: at(5) }]);
    assert.equal((await store.checks.latestCheckResults(SOURCE)).size, 0);
  });
}

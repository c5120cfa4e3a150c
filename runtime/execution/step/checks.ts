// A step's asset checks, run on the sealed but uncommitted output. A check that throws counts as
// failed with its error; a failing check of severity "error" keeps the output from committing.
import type { AssetDefinition } from "../../definitions/asset.ts";
import type { CheckResult } from "../../definitions/check.ts";
import type { MaterializeContext, MaterializeResult } from "../../definitions/context.ts";
import { errorMessage, SluiceError } from "../../errors.ts";
import type { StepEnvironment } from "./step_environment.ts";

/** A blocking check failed: the output stays uncommitted and retrying would not help. */
export class CheckFailedError extends SluiceError {
  override name = "CheckFailedError";
}

export async function runChecks(
  env: StepEnvironment,
  definition: AssetDefinition,
  ctx: MaterializeContext,
  result: MaterializeResult,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of definition.checks) {
    let outcome: CheckResult;
    try {
      const ran = await check.run({
        key: ctx.key,
        partition: ctx.partition,
        window: ctx.window,
        output: ctx.output,
        metadata: result.metadata ?? {},
        resources: ctx.resources,
        log: ctx.log,
        now: env.clock.now(),
        inputByKey: (key) => ctx.inputByKey(key),
      });
      outcome = { ...ran, name: check.name, severity: check.severity };
    } catch (error) {
      outcome = {
        name: check.name,
        severity: check.severity,
        passed: false,
        message: `check raised an error: ${errorMessage(error)}`,
      };
    }
    results.push(outcome);
    if (!outcome.passed) {
      ctx.log.warn(`check ${check.name} (${check.severity}) failed: ${outcome.message}`);
    }
  }
  return results;
}

/** Throws CheckFailedError when a check of severity "error" failed. */
export function assertBlockingChecksPassed(
  checks: readonly CheckResult[],
  outputUri: string,
): void {
  const failed = checks.filter((c) => !c.passed && c.severity === "error");
  if (failed.length === 0) return;
  throw new CheckFailedError(
    `check ${failed.map((c) => `'${c.name}'`).join(", ")} failed: ${
      failed[0].message
    }; output kept uncommitted at ${outputUri}`,
  );
}

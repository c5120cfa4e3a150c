// Runs a materialize function with a signal that aborts on the run's cancellation or when the
// asset's timeout passes; a function that ignores its signal is raced, so a run never hangs on it.
import type { AssetKey } from "../../definitions/asset_key.ts";
import { TimeoutError } from "../../errors.ts";

export async function withTimeout<T>(
  key: AssetKey,
  timeoutMs: number,
  runSignal: AbortSignal,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onRunAbort = () => controller.abort(runSignal.reason);
  // A run cancelled while this step was still starting never fires the event again.
  if (runSignal.aborted) onRunAbort();
  runSignal.addEventListener("abort", onRunAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new TimeoutError(key, timeoutMs)), timeoutMs);
  try {
    const aborted = new Promise<never>((_, reject) => {
      if (controller.signal.aborted) reject(controller.signal.reason);
      controller.signal.addEventListener("abort", () => reject(controller.signal.reason), {
        once: true,
      });
    });
    return await Promise.race([fn(controller.signal), aborted]);
  } finally {
    clearTimeout(timer);
    runSignal.removeEventListener("abort", onRunAbort);
  }
}

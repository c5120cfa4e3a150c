// A daemon's heartbeat: proves it alive to the others (by the database's clock) and learns
// which of its running requests `runs cancel` asked to stop, which it then aborts.
import type { DaemonId, MetadataStore, RunRequestId } from "../store/metadata_store.ts";
import type { RunSlots } from "./run_claims.ts";

export type BeatResult =
  | { readonly alive: true; readonly cancelled: readonly RunRequestId[] }
  /** Another daemon declared this one dead (it paused past its TTL): its requests were re-queued. */
  | { readonly alive: false };

export async function beat(
  store: MetadataStore,
  daemonId: DaemonId,
  slots: RunSlots,
): Promise<BeatResult> {
  const result = await store.queue.heartbeat(daemonId);
  if (!result.alive) return result;
  return { alive: true, cancelled: result.cancelRequested.filter((id) => slots.cancel(id)) };
}

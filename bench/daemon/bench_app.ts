// The daemon under bench: the real `daemon` command over one no-op asset, with a schedule that
// ticks every second (tick → run start latency) when TICK_SCHEDULE is set. Requests the bench
// enqueues itself (claims per second) run the same no-op.
import { defineAsset } from "../../runtime/definitions/asset.ts";
import { defineSchedule } from "../../runtime/automation/schedule.ts";
import { main } from "../../cli/main.ts";
import { daemonCommandFor } from "../../cli/daemon_command.ts";

const noop = defineAsset({
  key: "bench.noop",
  codeVersion: "1",
  retry: { maxAttempts: 1 },
  materialize: () => Promise.resolve({ data: "noop", rows: 0 }),
});

const everySecond = defineSchedule({
  name: "every_second",
  cron: "* * * * * *",
  selection: "bench.noop",
  force: true,
  catchUp: { policy: "latest", max: 1 },
});

Deno.exit(
  await main(
    () => Promise.resolve({ assets: [noop] }),
    Deno.args,
    Deno.env.toObject(),
    [
      daemonCommandFor(() =>
        Promise.resolve({ schedules: Deno.env.get("TICK_SCHEDULE") ? [everySecond] : [] })
      ),
    ],
  ),
);

// `sluice daemon`: runs the schedules, sensors and automation conditions of schedules/ and works
// the shared run queue until SIGTERM or Ctrl-C, then stops claiming, lets running requests
// finish within the grace period (the rest go back to the queue), records it and exits 0.
// Any number of daemons may share one Postgres; on the embedded store, one at a time.
import { parseArgs } from "node:util";
import { kafkaAlertSink } from "../resources/alerts/kafka_alert_sink.ts";
import { webhookAlertSink } from "../resources/alerts/webhook_alert_sink.ts";
import type { Config } from "../resources/config.ts";
import { openKafka } from "../resources/kafka/kafka_client.ts";
import type { AlertSink } from "../runtime/automation/alert_delivery.ts";
import {
  type AutomationLoader,
  type AutomationSet,
  resolveAutomation,
} from "../runtime/automation/automation_set.ts";
import { Daemon, DEFAULT_DAEMON_SETTINGS } from "../runtime/automation/daemon.ts";
import { DaemonMetrics } from "../runtime/automation/daemon_metrics.ts";
import { describeTagLimits, parseTagLimits } from "../runtime/automation/tag_limits.ts";
import { SluiceError } from "../runtime/errors.ts";
import type { TagLimit } from "../runtime/store/metadata_store.ts";
import { loadAutomation } from "../schedules/definitions.ts";
import type { Command, CommandContext } from "./command.ts";
import { serveDaemonHttp } from "./daemon_http.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import { type Instance, openInstance } from "./instance.ts";
import { isAlive, livenessFile, touchLiveness } from "./liveness.ts";

export const DAEMON_USAGE = `Usage: sluice daemon [--once]
       sluice daemon --health

Runs the schedules, sensors and assets' automation conditions of schedules/ and works the run
queue, until SIGTERM or Ctrl-C: then it claims nothing more, gives running requests
SLUICE_DAEMON_SHUTDOWN_GRACE_MS to finish, puts the rest back in the queue and exits 0.
Start as many as you like on one Postgres (DATABASE_URL); with the embedded store, one at a
time (stop it to use other commands).

Options:
  --once     evaluate schedules and sensors once, run what that queued, then stop
  --health   exit 0 if a daemon on this host heartbeat recently (for container health checks)

Environment:
  SLUICE_DAEMON_PORT               /metrics and /health (default 3001; 0: off)
  SLUICE_DAEMON_MAX_RUNS           run requests at once (default 2)
  SLUICE_RUN_TAG_LIMITS            e.g. warehouse:1,pool=gpu:2 (default: schedules/' limits)
  SLUICE_DAEMON_HEARTBEAT_TTL_MS   a daemon silent this long is dead (default 30000)
  SLUICE_DAEMON_REQUEUE_LIMIT      times a dead daemon's request is re-queued (default 1)
  SLUICE_DAEMON_SHUTDOWN_GRACE_MS  on SIGTERM, time for running requests (default 30000)
  SLUICE_DAEMON_POLL_MS            how often an idle daemon looks at the queue (default 250)
  SLUICE_AUTOMATION_INTERVAL_MS    how often automation conditions run (default 5000)
  SLUICE_ALERT_WEBHOOK_URL         POST alerts here (Kafka topic sluice.alerts when
                                   KAFKA_BROKERS is set; the log always)`;

/** The daemon command over an application's automation (schedules/ for this project). */
export function daemonCommandFor(load: AutomationLoader): Command {
  return {
    name: "daemon",
    summary: "run schedules, sensors and automation; work the shared run queue",
    usage: DAEMON_USAGE,
    run: (context, args) => runDaemon(context, args, load),
  };
}

export const daemonCommand: Command = daemonCommandFor(loadAutomation);

async function runDaemon(
  context: CommandContext,
  args: string[],
  load: AutomationLoader,
): Promise<ExitCode> {
  const { values } = parseArgs({
    args,
    options: {
      once: { type: "boolean", default: false },
      health: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(DAEMON_USAGE);
    return EXIT.ok;
  }
  const config = context.config();
  const alive = livenessFile(config.home, "daemon");
  if (values.health) {
    const withinMs = 2 * config.daemon.heartbeatTtlMs;
    if (await isAlive(alive, withinMs)) return EXIT.ok;
    throw new SluiceError(`daemon: no heartbeat in the last ${withinMs / 1000} s (${alive})`);
  }
  // The embedded store admits one process: a second daemon is told at once, not in 30 s.
  const instance = await openInstance(await context.loadDefinitions(), config, {
    embeddedLock: { waitMs: 0 },
    clock: context.clock,
  });
  const sinks = alertSinks(config, instance);
  try {
    const definitions = await load();
    const automation = resolveAutomation(instance.graph, definitions);
    const tagLimits = config.daemon.tagLimits === undefined
      ? definitions.tagLimits ?? []
      : parseTagLimits(config.daemon.tagLimits, "SLUICE_RUN_TAG_LIMITS");
    return await serve(instance, automation, tagLimits, sinks, alive, values.once);
  } finally {
    for (const sink of sinks) await sink.close?.();
    await instance.close();
  }
}

async function serve(
  instance: Instance,
  automation: AutomationSet,
  tagLimits: readonly TagLimit[],
  sinks: readonly (AlertSink & { close?(): Promise<void> })[],
  alive: string,
  once: boolean,
): Promise<ExitCode> {
  const { config, store, log } = instance;
  const metrics = new DaemonMetrics(() => store.queue.depth());
  let aliveAt: Date | undefined;
  const daemon = await Daemon.start({
    graph: instance.graph,
    store,
    lake: instance.lake,
    resources: instance.resources,
    log,
    logSinks: [instance.logSink],
    clock: instance.clock,
    concurrency: config.concurrency,
    leaseTtlMs: config.leaseTtlMs,
    lockWaitMs: config.lockWaitMs,
    trim: instance.definitions.trim,
    automation,
    alertSinks: sinks,
    metrics,
    onAlive: () => {
      aliveAt = instance.clock.now();
      touchLiveness(alive).catch(() => {});
    },
    settings: {
      ...DEFAULT_DAEMON_SETTINGS,
      maxRuns: config.daemon.maxRuns,
      tagLimits,
      heartbeatTtlMs: config.daemon.heartbeatTtlMs,
      requeueLimit: config.daemon.requeueLimit,
      pollMs: config.daemon.pollMs,
      automationIntervalMs: config.daemon.automationIntervalMs,
      shutdownGraceMs: config.daemon.shutdownGraceMs,
    },
  });
  const http = config.daemon.port === 0 ? undefined : serveDaemonHttp(
    config.daemon.port,
    metrics,
    () => ({
      daemon: daemon.id,
      running: daemon.running,
      aliveAt,
      now: instance.clock.now(),
      ttlMs: config.daemon.heartbeatTtlMs,
    }),
  );
  log.info(
    `daemon ${daemon.id} started: ${automation.schedules.length} schedules, ` +
      `${automation.sensors.length} sensors, automation conditions on ` +
      `${automation.conditions.size} assets; up to ${config.daemon.maxRuns} runs at once; ` +
      `tag limits ${describeTagLimits(tagLimits)}` +
      (http ? `; /metrics and /health on port ${http.port}` : ""),
  );
  try {
    if (once) {
      await daemon.heartbeat();
      await daemon.evaluate();
      await daemon.claim();
      await daemon.settled();
      await daemon.heartbeat();
      await daemon.stop("--once");
      return EXIT.ok;
    }
    const stop = new AbortController();
    const signals = ["SIGINT", "SIGTERM"] as const;
    const onSignal = () => {
      log.info(`daemon ${daemon.id}: stopping (no more claims; running requests may finish)`);
      stop.abort();
    };
    for (const signal of signals) Deno.addSignalListener(signal, onSignal);
    try {
      const report = await daemon.run(stop.signal);
      log.info(
        `daemon ${daemon.id} stopped: ${report.finished} request(s) finished, ` +
          `${report.requeued} re-queued`,
      );
    } finally {
      for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
    }
    return EXIT.ok;
  } finally {
    await http?.close();
  }
}

/** Kafka's topic when KAFKA_BROKERS is set, the webhook when SLUICE_ALERT_WEBHOOK_URL is. */
function alertSinks(
  config: Config,
  instance: Instance,
): (AlertSink & { close?(): Promise<void> })[] {
  const sinks: (AlertSink & { close?(): Promise<void> })[] = [];
  if (config.kafka) sinks.push(kafkaAlertSink(openKafka(config.kafka, instance.log), config.kafka));
  if (config.daemon.alertWebhookUrl) sinks.push(webhookAlertSink(config.daemon.alertWebhookUrl));
  return sinks;
}

// Wires the UI to an opened instance: UiData over its store and graph, UiActions that queue
// runs (and run them in this process when no daemon is alive), a watch that observes the
// sources, and the Hono app served on HOST:PORT. `sluice ui` and the browser tests start it through startUiServer().
import type { Hono } from "hono";
import type { Clock } from "../runtime/clock.ts";
import { ConfigError } from "../runtime/errors.ts";
import {
  type AutomationDefinitions,
  resolveAutomation,
} from "../runtime/automation/automation_set.ts";
import { conditionsSensor } from "../runtime/automation/automation_views.ts";
import { executeRunRequest } from "../runtime/automation/execute_run_request.ts";
import { InPlaceClaimer } from "../runtime/automation/in_place_claimer.ts";
import { observeSources } from "../runtime/execution/observe.ts";
import { createLogger } from "../runtime/logger.ts";
import { UiConfigError } from "../web/ui/errors.ts";
import { LocalRuns } from "../web/ui/local_runs.ts";
import { SourceWatch } from "../web/ui/source_watch.ts";
import { StoreUiActions } from "../web/ui/store_ui_actions.ts";
import type { UiAutomation } from "../web/ui/store_automation.ts";
import { parquetColumnReader } from "../web/ui/parquet_columns.ts";
import { StoreUiData } from "../web/ui/store_ui_data.ts";
import { createUiApp } from "../web/ui/ui_app.tsx";
import type { UiEnv } from "../web/ui/ui_env.ts";
import type { Instance } from "./instance.ts";

export interface UiServerOptions {
  readonly host: string;
  /** 0 picks a free port (see `url`). */
  readonly port: number;
  readonly token: string | undefined;
  /** Default: the instance's (SLUICE_NOW's or the system's). */
  readonly clock?: Clock;
  /** How often sources are observed, in ms; 0 observes once, at start. Default 30 s. */
  readonly observeEveryMs?: number;
  /** How often the graph page re-reads statuses, in ms. Default 5 s. */
  readonly statusPollMs?: number;
  /** Where unexpected errors go (default: the instance's logger). */
  readonly reportError?: (error: unknown) => void;
  /** The daemon's schedules, sensors and conditions (schedules/), for their pages. */
  readonly automation?: AutomationDefinitions;
}

export interface UiServer {
  /** Where it listens, e.g. http://127.0.0.1:3000. */
  readonly url: string;
  readonly app: Hono<UiEnv>;
  readonly data: StoreUiData;
  readonly localRuns: LocalRuns;
  /** Stops serving, cancels this process's live runs and waits for them. */
  close(): Promise<void>;
}

const DEFAULT_OBSERVE_MS = 30_000;
const SHUTDOWN_GRACE_MS = 5_000;

/** The schedules and sensors the daemon runs, as `deno task schedules` and `sensors` list them. */
function uiAutomation(instance: Instance, definitions: AutomationDefinitions): UiAutomation {
  const automation = resolveAutomation(instance.graph, definitions);
  const conditions = automation.conditions.size;
  return {
    schedules: automation.schedules,
    sensors: [
      ...automation.sensors,
      ...(conditions > 0
        ? [conditionsSensor(conditions, instance.config.daemon.automationIntervalMs)]
        : []),
    ],
  };
}

export function startUiServer(instance: Instance, options: UiServerOptions): UiServer {
  const clock = options.clock ?? instance.clock;
  const { graph, store, config } = instance;
  const reportError = options.reportError ??
    ((error: unknown) =>
      instance.log.error(`ui: ${error instanceof Error ? error.stack ?? error.message : error}`));
  const localRuns = new LocalRuns(clock, 100, reportError);
  const sources = new SourceWatch({
    clock,
    reportError,
    observe: () =>
      observeSources(
        graph,
        graph.order,
        store,
        instance.resources,
        instance.log,
        clock.now(),
      ),
  });
  const columns = parquetColumnReader(instance.lake);
  const data = new StoreUiData({
    graph,
    store,
    clock,
    localRuns,
    sources,
    columns,
    automation: options.automation && uiAutomation(instance, options.automation),
  });
  // Who moves an alias from here.
  const claimant = `ui@${Deno.hostname()}:${Deno.pid}`;
  // Who claims a request this process runs because no daemon is alive: registered and
  // heartbeating like a daemon, so if this process dies its request is re-queued once and its
  // leases freed by whoever looks next (a daemon, another UI).
  const claimer = new InPlaceClaimer({
    store,
    log: instance.log,
    clock,
    name: "ui",
    ttlMs: config.daemon.heartbeatTtlMs,
    requeueLimit: config.daemon.requeueLimit,
    onDeclaredDead: () => void localRuns.cancelAll(),
  });
  const actions = new StoreUiActions({
    graph,
    store,
    clock,
    localRuns,
    claimant,
    claimer,
    reportError,
    execute: (request, run) =>
      executeRunRequest(request, {
        graph,
        store,
        lake: instance.lake,
        resources: instance.resources,
        log: createLogger([run.sink, instance.logSink], config.logLevel, { component: "ui" }),
        logSinks: [run.sink, instance.logSink],
        clock,
        concurrency: config.concurrency,
        leaseTtlMs: config.leaseTtlMs,
        lockWaitMs: config.lockWaitMs,
        trim: instance.definitions.trim,
      }, { claimedBy: request.claimedBy, signal: run.signal }),
  });
  let app: Hono<UiEnv>;
  try {
    app = createUiApp({
      data,
      actions,
      host: options.host,
      token: options.token,
      clock,
      statusPollMs: options.statusPollMs,
      reportError,
    });
  } catch (error) {
    // A UI that must not start is a configuration error: one line naming the variable, exit 2.
    if (error instanceof UiConfigError) throw new ConfigError(error.message, "SLUICE_UI_TOKEN");
    throw error;
  }
  const server = Deno.serve(
    { hostname: options.host, port: options.port, onListen() {} },
    app.fetch,
  );
  const observeEveryMs = options.observeEveryMs ?? DEFAULT_OBSERVE_MS;
  if (observeEveryMs > 0) sources.start(observeEveryMs);
  else void sources.observeNow();
  const shownHost = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${server.addr.port}`,
    app,
    data,
    localRuns,
    async close() {
      const turns = actions.close();
      await sources.stop();
      await localRuns.cancelAll();
      await turns;
      await claimer.stop();
      // Open log tails of other processes' runs would hold a graceful shutdown: give it a while.
      await Promise.race([server.shutdown(), clock.sleep(SHUTDOWN_GRACE_MS)]);
      columns.close();
    },
  };
}

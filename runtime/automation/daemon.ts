// The daemon: four small loops over one identity. The scheduler wakes at each schedule tick;
// the sensor loop evaluates sensors and automation conditions as they come due; the worker
// claims queued requests into free run slots; the heartbeat proves it alive, cancels what
// `runs cancel` asked for, reaps dead daemons and delivers alerts. Any number of daemons share
// one Postgres. Stopping: no more claims, running requests get a grace period, then are aborted
// and go back to the queue; the daemon records itself stopped.
import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import { NO_RESOURCES } from "../definitions/resources.ts";
import { errorMessage } from "../errors.ts";
import { currentProcess } from "../process_identity.ts";
import type { DaemonId, DaemonRecord, ScheduleTick, TagLimit } from "../store/metadata_store.ts";
import { type AlertSink, deliverAlerts, logAlertSink } from "./alert_delivery.ts";
import type { AutomationSet } from "./automation_set.ts";
import type { DaemonMetrics } from "./daemon_metrics.ts";
import { processGone, reapDeadDaemons } from "./dead_daemon_reaper.ts";
import { DaemonShutdown, type RunRequestEnvironment } from "./execute_run_request.ts";
import { beat } from "./heartbeat.ts";
import { RunSlots, type StartedRun } from "./run_claims.ts";
import type { EvaluationReport } from "./sensor_evaluation.ts";
import { evaluateSchedules, evaluateSensors, type TickEnvironment } from "./tick_evaluation.ts";

export interface DaemonSettings {
  /** Run requests this daemon runs at once (SLUICE_DAEMON_MAX_RUNS). */
  readonly maxRuns: number;
  /** Limits on running requests by tag, across every daemon. */
  readonly tagLimits: readonly TagLimit[];
  /** Without a heartbeat for this long a daemon counts as dead; it beats every third of it. */
  readonly heartbeatTtlMs: number;
  /** How many times a dead daemon's request goes back to the queue. */
  readonly requeueLimit: number;
  /** How often the worker looks for queued requests when nothing woke it. */
  readonly pollMs: number;
  /** How often the automation conditions are evaluated (by whichever daemon claims them). */
  readonly automationIntervalMs: number;
  /** How long a sensor evaluation may take before another daemon may take it over. */
  readonly sensorClaimTtlMs: number;
  /** On stop, how long running requests may take before they are aborted and re-queued. */
  readonly shutdownGraceMs: number;
}

export const DEFAULT_DAEMON_SETTINGS: DaemonSettings = Object.freeze({
  maxRuns: 2,
  tagLimits: [],
  heartbeatTtlMs: 30_000,
  requeueLimit: 1,
  pollMs: 250,
  automationIntervalMs: 5_000,
  sensorClaimTtlMs: 300_000,
  shutdownGraceMs: 30_000,
});

export interface DaemonEnvironment extends RunRequestEnvironment {
  readonly automation: AutomationSet;
  readonly settings: DaemonSettings;
  /** Besides the log, where alerts go (a Kafka topic, a webhook). */
  readonly alertSinks?: readonly AlertSink[];
  readonly metrics?: DaemonMetrics;
  /**
   * Why a daemon whose heartbeat has not lapsed is dead anyway; by default, its process on
   * this machine is provably gone (pid and start time), so a kill -9 is noticed at once.
   */
  readonly isDead?: (daemon: DaemonRecord) => string | undefined;
  /** Called after each heartbeat that found this daemon alive (a liveness file, say). */
  readonly onAlive?: () => void;
  readonly id?: DaemonId;
}

export interface StopReport {
  /** Requests that finished within the grace period. */
  readonly finished: number;
  /** Requests aborted at the end of the grace period and put back in the queue. */
  readonly requeued: number;
}

export class Daemon {
  #id: DaemonId;
  readonly #env: DaemonEnvironment & { readonly clock: Clock };
  readonly #slots: RunSlots;
  #wakeWorker: () => void = () => {};

  private constructor(env: DaemonEnvironment) {
    this.#env = { ...env, clock: env.clock ?? systemClock };
    this.#id = env.id ?? newDaemonId();
    this.#slots = new RunSlots(this.#env, env.settings.maxRuns, env.settings.tagLimits);
    this.#slots.onFinish(() => this.#wakeWorker());
  }

  /** Registers a daemon and the default state of every schedule and sensor it knows. */
  static async start(env: DaemonEnvironment): Promise<Daemon> {
    const daemon = new Daemon(env);
    await daemon.#register();
    const { schedules, sensors, conditions } = env.automation;
    const at = daemon.#env.clock.now();
    await env.store.automation.ensureStates(
      "schedule",
      schedules.map((s) => ({ name: s.name, enabled: s.defaultState === "on" })),
      at,
    );
    await env.store.automation.ensureStates("sensor", [
      ...sensors.map((s) => ({ name: s.name, enabled: s.defaultState === "on" })),
      ...(conditions.size > 0 ? [{ name: "automation_conditions", enabled: true }] : []),
    ], at);
    return daemon;
  }

  get id(): DaemonId {
    return this.#id;
  }

  /** Requests this daemon is running now. */
  get running(): number {
    return this.#slots.size;
  }

  /** Every due schedule tick, then every due sensor and the automation conditions. */
  async evaluate(now = this.#env.clock.now()): Promise<{
    readonly ticks: readonly ScheduleTick[];
    readonly sensors: ReadonlyMap<string, EvaluationReport>;
  }> {
    const ticks = await this.evaluateSchedules(now);
    return { ticks, sensors: await this.evaluateSensors(now) };
  }

  evaluateSchedules(now = this.#env.clock.now()): Promise<ScheduleTick[]> {
    return evaluateSchedules(this.#tickEnv(), this.#env.automation.schedules, now);
  }

  evaluateSensors(now = this.#env.clock.now()): Promise<Map<string, EvaluationReport>> {
    return evaluateSensors(this.#tickEnv(), this.#env.automation.sensors, {
      byAsset: this.#env.automation.conditions,
      intervalMs: this.#env.settings.automationIntervalMs,
    }, now);
  }

  /** Claims queued requests into free slots and starts them. */
  claim(): Promise<StartedRun[]> {
    return this.#slots.fill(this.#id);
  }

  /** Heartbeat, cancellations, the dead-daemon reaper and alert delivery. */
  async heartbeat(): Promise<void> {
    const result = await beat(this.#env.store, this.#id, this.#slots);
    if (!result.alive) {
      await this.#declaredDead();
      return;
    }
    this.#env.onAlive?.();
    await reapDeadDaemons(this.#env.store, {
      requeueLimit: this.#env.settings.requeueLimit,
      isDead: this.#env.isDead ?? processGone,
      log: this.#env.log,
      at: this.#env.clock.now(),
      noticedBy: this.#id,
    });
    await deliverAlerts(this.#env.store, this.#alertSinks(), this.#env.log);
  }

  /** Resolves when every running request has ended. */
  async settled(): Promise<void> {
    await this.#slots.settled();
  }

  /** Runs the loops until `signal` aborts, then stops gracefully (see stop()). */
  async run(signal: AbortSignal): Promise<StopReport> {
    const loopsStop = new AbortController();
    const heartbeatStop = new AbortController();
    const worker = wakeable(this.#env.clock, loopsStop.signal);
    this.#wakeWorker = worker.wake;
    const settings = this.#env.settings;
    const loops = [
      this.#loop("scheduler", loopsStop.signal, async () => {
        const ticks = await this.evaluateSchedules();
        if (ticks.some((t) => t.requestIds.length > 0)) worker.wake();
        return this.#untilNextTick();
      }),
      this.#loop("sensors", loopsStop.signal, async () => {
        const reports = await this.evaluateSensors();
        if ([...reports.values()].some((r) => r.kind === "committed" && r.requests > 0)) {
          worker.wake();
        }
        return 1_000;
      }),
      this.#loop("worker", loopsStop.signal, async () => {
        await this.claim();
        await worker.sleep(settings.pollMs);
        return 0;
      }),
    ];
    const heartbeat = this.#loop("heartbeat", heartbeatStop.signal, async () => {
      await this.heartbeat();
      return Math.max(100, Math.floor(settings.heartbeatTtlMs / 3));
    });
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    loopsStop.abort();
    await Promise.all(loops);
    const report = await this.stop();
    heartbeatStop.abort();
    await heartbeat;
    return report;
  }

  /**
   * Claims nothing more, lets running requests finish within the grace period, then aborts the
   * rest, which go back to the queue; records the daemon stopped.
   */
  async stop(reason = "stopped"): Promise<StopReport> {
    const { store, settings, log } = this.#env;
    await store.queue.setDaemonStatus(this.#id, "stopping", reason);
    this.#slots.takeFinished(); // only what runs now counts in the report
    const running = this.#slots.size;
    if (running > 0) {
      log.info(
        `stopping: waiting up to ${settings.shutdownGraceMs} ms for ${running} running request(s)`,
      );
    }
    const finishedInTime = await this.#slots.settled(settings.shutdownGraceMs);
    if (!finishedInTime) {
      this.#slots.abortAll(new DaemonShutdown(`daemon ${this.#id} shut down (${reason})`));
      await this.#slots.settled();
    }
    const outcomes = this.#slots.takeFinished();
    const requeued = outcomes.filter((o) => o.status === "requeued").length;
    await store.queue.setDaemonStatus(
      this.#id,
      "stopped",
      `${reason}: ${outcomes.length - requeued} finished, ${requeued} re-queued`,
    );
    return { finished: outcomes.length - requeued, requeued };
  }

  async #register(): Promise<void> {
    const process = currentProcess();
    await this.#env.store.queue.registerDaemon({
      id: this.#id,
      host: process.host,
      pid: process.pid,
      processStart: process.start,
      processScope: process.scope,
      ttlMs: this.#env.settings.heartbeatTtlMs,
      maxRuns: this.#env.settings.maxRuns,
    });
  }

  /** Another daemon took this one for dead: its requests were re-queued; start afresh. */
  async #declaredDead(): Promise<void> {
    const old = this.#id;
    this.#env.log.error(
      `daemon ${old} was declared dead by another daemon (a pause longer than its ` +
        `${this.#env.settings.heartbeatTtlMs} ms TTL?): its requests were re-queued; ` +
        "aborting its runs and registering again",
    );
    this.#slots.abortAll(new Error(`daemon ${old} was declared dead`));
    await this.#slots.settled();
    this.#id = newDaemonId();
    await this.#register();
  }

  #alertSinks(): AlertSink[] {
    return [logAlertSink(this.#env.log), ...(this.#env.alertSinks ?? [])];
  }

  #tickEnv(): TickEnvironment {
    return {
      graph: this.#env.graph,
      store: this.#env.store,
      resources: this.#env.resources ?? NO_RESOURCES,
      log: this.#env.log,
      daemonId: this.#id,
      claimTtlMs: this.#env.settings.sensorClaimTtlMs,
      metrics: this.#env.metrics,
    };
  }

  /** Milliseconds until the next tick of any schedule, at most one second. */
  #untilNextTick(): number {
    const now = this.#env.clock.now();
    let wait = 1_000;
    for (const schedule of this.#env.automation.schedules) {
      const next = schedule.cron.next(now);
      if (next !== undefined) wait = Math.min(wait, next.getTime() - now.getTime());
    }
    return Math.max(0, wait);
  }

  /** Runs `step` until `stop` aborts; a failing step is logged and retried after a second. */
  async #loop(name: string, stop: AbortSignal, step: () => Promise<number>): Promise<void> {
    while (!stop.aborted) {
      let waitMs: number;
      try {
        waitMs = await step();
      } catch (error) {
        if (stop.aborted) return;
        this.#env.log.error(`daemon ${name} loop: ${errorMessage(error)}`);
        waitMs = 1_000;
      }
      try {
        if (waitMs > 0) await this.#env.clock.sleep(waitMs, stop);
      } catch {
        return;
      }
    }
  }
}

/** `host:pid:xxxx`, readable in `runs` and logs, unique across restarts. */
export function newDaemonId(): DaemonId {
  return `${Deno.hostname()}:${Deno.pid}:${crypto.randomUUID().slice(0, 4)}` as DaemonId;
}

/** A sleep that `wake()` or `stop` ends early. */
function wakeable(clock: Clock, stop: AbortSignal) {
  let current: AbortController | undefined;
  let pending = false;
  return {
    wake() {
      pending = true;
      current?.abort();
    },
    async sleep(ms: number): Promise<void> {
      if (pending || stop.aborted) {
        pending = false;
        return;
      }
      current = new AbortController();
      const onStop = () => current?.abort();
      stop.addEventListener("abort", onStop, { once: true });
      try {
        await clock.sleep(ms, current.signal);
      } catch {
        // woken
      } finally {
        stop.removeEventListener("abort", onStop);
        current = undefined;
        pending = false;
      }
    },
  };
}

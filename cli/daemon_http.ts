// The daemon's HTTP side on SLUICE_DAEMON_PORT: `/metrics` in Prometheus's text format and
// `/health`, 200 while the daemon's heartbeat is recent, 503 otherwise (for a balancer or an
// orchestrator; compose's health check uses `daemon --health`).
import type { DaemonMetrics } from "../runtime/automation/daemon_metrics.ts";

export interface DaemonHealth {
  readonly daemon: string;
  readonly running: number;
  /** When the last heartbeat found the daemon alive; undefined before the first. */
  readonly aliveAt: Date | undefined;
  /** Now on the daemon's clock, which `aliveAt` was read from. */
  readonly now: Date;
  readonly ttlMs: number;
}

export interface DaemonHttp {
  readonly port: number;
  close(): Promise<void>;
}

export function serveDaemonHttp(
  port: number,
  metrics: DaemonMetrics,
  health: () => DaemonHealth,
): DaemonHttp {
  const server = Deno.serve(
    { port, hostname: "0.0.0.0", onListen: () => {} },
    (request) => handle(new URL(request.url).pathname, metrics, health),
  );
  return {
    port: server.addr.port,
    close: () => server.shutdown(),
  };
}

async function handle(
  path: string,
  metrics: DaemonMetrics,
  health: () => DaemonHealth,
): Promise<Response> {
  if (path === "/metrics") {
    return new Response(await metrics.text(), { headers: { "content-type": metrics.contentType } });
  }
  if (path === "/health") {
    const state = health();
    const ageMs = state.aliveAt === undefined
      ? undefined
      : state.now.getTime() - state.aliveAt.getTime();
    const ok = ageMs !== undefined && ageMs <= state.ttlMs;
    return Response.json({
      status: ok ? "ok" : "unhealthy",
      daemon: state.daemon,
      running: state.running,
      heartbeat_age_ms: ageMs ?? null,
    }, { status: ok ? 200 : 503 });
  }
  return Response.json({ error: `no route ${path}: try /metrics or /health` }, { status: 404 });
}

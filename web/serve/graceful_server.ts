// Serves a fetch handler on a socket and stops it gracefully on SIGTERM or SIGINT: stop
// accepting, let requests in flight finish, run the cleanup (release the models), exit 0.
import type { ServeLogger } from "./app.ts";

export interface GracefulServerOptions {
  readonly hostname: string;
  readonly port: number;
  readonly logger: ServeLogger;
  /** Runs after the last request finished, before the process exits. */
  readonly cleanup?: () => Promise<void>;
  /** Exits the process when stopped by a signal; tests of the server itself pass false. */
  readonly exitOnSignal?: boolean;
}

export interface GracefulServer {
  /** The bound address (port 0 picks a free port). */
  readonly addr: Deno.NetAddr;
  /** Stops accepting, waits for requests in flight, then runs the cleanup. */
  stop(reason: string): Promise<void>;
  /** Resolves once stopped. */
  readonly finished: Promise<void>;
}

const SIGNALS: readonly Deno.Signal[] = ["SIGTERM", "SIGINT"];

export function serveGracefully(
  handler: (request: Request) => Response | Promise<Response>,
  options: GracefulServerOptions,
): GracefulServer {
  const { logger } = options;
  const server = Deno.serve({
    hostname: options.hostname,
    port: options.port,
    onListen: () => {},
  }, handler);
  const addr = server.addr as Deno.NetAddr;
  logger({
    level: "info",
    event: "listening",
    message: `Listening on http://${addr.hostname}:${addr.port}`,
    hostname: addr.hostname,
    port: addr.port,
  });
  let stopping: Promise<void> | undefined;
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      logger({ level: "info", event: "stopping", message: `Stopping (${reason})` });
      for (const signal of SIGNALS) Deno.removeSignalListener(signal, onSignal[signal]);
      await server.shutdown();
      await options.cleanup?.();
      logger({ level: "info", event: "stopped", message: "Stopped: every request answered" });
    })();
    return stopping;
  };
  const onSignal = Object.fromEntries(SIGNALS.map((signal) => [signal, () => {
    stop(signal).then(
      () => {
        if (options.exitOnSignal ?? true) Deno.exit(0);
      },
      (error) => {
        logger({ level: "error", event: "stop_failed", message: (error as Error).message });
        Deno.exit(1);
      },
    );
  }])) as Record<Deno.Signal, () => void>;
  for (const signal of SIGNALS) Deno.addSignalListener(signal, onSignal[signal]);
  return { addr, stop, finished: server.finished.then(() => stopping) };
}

/** Log events as JSON lines on stdout, for people and log shippers alike. */
export function jsonLineLogger(write: (line: string) => void = console.log): ServeLogger {
  return (event) => write(JSON.stringify({ time: new Date().toISOString(), ...event }));
}

// `sluice serve` in its own process, as `deno task serve` runs it: on a free port, its log read
// as JSON lines from stderr so a test can wait for an event, stopped with SIGTERM.
import { scriptCommand } from "../support/deno_script.ts";

export type LogLine = Record<string, unknown> & { readonly event?: string };

const STARTED = /^Sluice serve on (http:\/\/\S+)/m;

export class ServeProcess {
  readonly child: Deno.ChildProcess;
  readonly lines: LogLine[] = [];
  readonly #waiters: { test: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  readonly #stdout: Promise<string>;
  readonly #stderr: Promise<void>;
  readonly #url: Promise<string>;

  private constructor(env: Record<string, string>, args: readonly string[]) {
    this.child = scriptCommand("sluice.ts", ["serve", ...args], {
      PORT: "0",
      SLUICE_LOG_FORMAT: "json",
      SLUICE_LOG_LEVEL: "info",
      NO_COLOR: "1",
      ...env,
    }).spawn();
    this.#stdout = new Response(this.child.stdout).text();
    this.#stderr = this.#readLog();
    this.#url = this.next("listening").then((line) => `http://127.0.0.1:${line.port}`);
  }

  /**
   * Starts serve with `env` over the test's own environment (PORT=0 unless set). Its log must
   * stay at info or below (SLUICE_LOG_LEVEL): the port is read from the `listening` event.
   */
  static start(env: Record<string, string>, args: readonly string[] = []): ServeProcess {
    return new ServeProcess(env, args);
  }

  /** Where it listens, once it does. */
  url(): Promise<string> {
    return this.#url;
  }

  /** The first log line (past or future) of `event` for which `test` holds. */
  next(event: string, test: (line: LogLine) => boolean = () => true): Promise<LogLine> {
    const match = (line: LogLine) => line.event === event && test(line);
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ test: match, resolve }));
  }

  /** SIGTERM, then the exit code and what it printed. */
  async stop(): Promise<{ code: number; stdout: string }> {
    this.child.kill("SIGTERM");
    const { code } = await this.child.status;
    await this.#stderr;
    return { code, stdout: await this.#stdout };
  }

  /** Stops it hard, for a test that failed midway. */
  async kill(): Promise<void> {
    try {
      this.child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await this.child.status;
    await this.#stderr;
    await this.#stdout;
  }

  async #readLog(): Promise<void> {
    let buffer = "";
    for await (const chunk of this.child.stderr.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf("\n")) >= 0) {
        const text = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        let line: LogLine;
        try {
          line = JSON.parse(text);
        } catch {
          line = { event: "text", message: text };
        }
        this.lines.push(line);
        for (const waiter of this.#waiters.filter((w) => w.test(line))) {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  }
}

/** The start-up line's URL in `stdout`, if printed. */
export function startedUrl(stdout: string): string | undefined {
  return STARTED.exec(stdout)?.[1];
}

/** A JSON answer's status and body. */
export interface JsonAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** GET `path` and its JSON body. */
export async function getJson(url: string, path: string): Promise<JsonAnswer> {
  const response = await fetch(`${url}${path}`);
  return { status: response.status, body: await response.json() };
}

/** POST a JSON body to `path`. */
export async function postJson(
  url: string,
  path: string,
  body: unknown,
): Promise<JsonAnswer> {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

// SIGTERM on a serve process (the real app and graceful server over a gated model): it stops
// accepting, finishes the request in flight and exits 0. The command's own start and stop are in
// tests/cli/serve_command_test.ts.
import assert from "node:assert/strict";
import { join } from "node:path";
import { scriptCommand } from "../../support/deno_script.ts";
import { featureRow } from "./_fixture_model.ts";

/** A spawned script and its stdout as JSON log lines, read as they arrive. */
class LoggedProcess {
  readonly child: Deno.ChildProcess;
  readonly events: Record<string, unknown>[] = [];
  readonly #waiters: { event: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  readonly stderr: Promise<string>;
  readonly done: Promise<void>;

  constructor(script: string, env: Record<string, string>) {
    this.child = scriptCommand(script, [], { ...env, NO_COLOR: "1" }).spawn();
    this.stderr = new Response(this.child.stderr).text();
    this.done = this.#read();
  }

  async #read(): Promise<void> {
    const lines = this.child.stdout.pipeThrough(new TextDecoderStream());
    let buffer = "";
    for await (const chunk of lines) {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf("\n")) >= 0) {
        const line = JSON.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 1);
        this.events.push(line);
        for (const waiter of this.#waiters.filter((w) => w.event === line.event)) {
          waiter.resolve(line);
        }
      }
    }
  }

  next(event: string): Promise<Record<string, unknown>> {
    const seen = this.events.find((line) => line.event === event);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ event, resolve }));
  }
}

const post = (port: unknown, path: string, body: unknown) =>
  fetch(`http://127.0.0.1:${port}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

Deno.test("SIGTERM stops accepting, finishes the request in flight and exits 0", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice-serve-stop-" });
  const gate = join(dir, "open");
  const server = new LoggedProcess("tests/web/serve/fixtures/gated_serve.ts", { GATE_FILE: gate });
  try {
    const { port } = await server.next("listening");
    const inFlight = post(port, "/v1/predict", featureRow());
    await server.next("held");
    server.child.kill("SIGTERM");
    await server.next("stopping");
    await assert.rejects(() => post(port, "/v1/predict", featureRow()), "new connections refused");
    await Deno.writeTextFile(gate, "");
    const response = await inFlight;
    assert.equal(response.status, 200);
    assert.equal((await response.json()).model_version, "v1");
    const status = await server.child.status;
    await server.done;
    assert.equal(status.code, 0, await server.stderr);
    assert.deepEqual(server.events.map((line) => line.event), [
      "listening",
      "held",
      "stopping",
      "stopped",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// Every configuration variable, for every command: a bad value stops the command before it does
// anything, with exit code 2 and one line on stderr naming the variable. The commands come from
// COMMANDS and the variables from the configuration schema, so new ones are covered as they are
// added (a new variable fails here until it has a row in BAD_VALUES).
import assert from "node:assert/strict";
import { COMMANDS, main } from "../../cli/main.ts";
import { CONFIG_VARIABLES } from "../../resources/config.ts";
import { EXIT } from "../../cli/exit_codes.ts";
import { runScript } from "../support/deno_script.ts";

/**
 * A value each variable refuses, with what the message must say; `null` for a variable that
 * takes any non-empty text (an empty value counts as unset).
 */
const BAD_VALUES: Readonly<Record<string, { value: string; env?: Record<string, string> } | null>> =
  {
    SLUICE_HOME: null,
    DATABASE_URL: { value: "mysql://db:3306/sluice" },
    SLUICE_LAKE: { value: "gs://bucket/lake" },
    S3_ENDPOINT: { value: "minio:9000" },
    S3_REGION: { value: "US East 1" },
    // Any key text is accepted; missing, with an s3:// lake, it is named.
    S3_ACCESS_KEY_ID: { value: "", env: { SLUICE_LAKE: "s3://lake", S3_SECRET_ACCESS_KEY: "s" } },
    S3_SECRET_ACCESS_KEY: { value: "", env: { SLUICE_LAKE: "s3://lake", S3_ACCESS_KEY_ID: "k" } },
    SLUICE_CONCURRENCY: { value: "0" },
    SLUICE_LOG_LEVEL: { value: "loud" },
    SLUICE_LOG_FORMAT: { value: "xml" },
    SLUICE_LEASE_TTL_MS: { value: "500" },
    SLUICE_LOCK_WAIT_MS: { value: "ten minutes" },
    SLUICE_NOW: { value: "2026-11-30" },
    KAFKA_BROKERS: { value: "localhost" },
    KAFKA_CLIENT_ID: { value: "sluice client" },
    KAFKA_TOPIC_PREFIX: { value: "staging/" },
    KAFKA_TOPIC_RETENTION_HOURS: { value: "-1" },
    HOST: { value: "0.0.0.0 extra" },
    PORT: { value: "70000" },
    SLUICE_UI_TOKEN: { value: "short" },
    SLUICE_SERVE_TOKEN: { value: "has spaces in it, 16+" },
    SLUICE_SERVE_THREADS: { value: "0" },
    SLUICE_SERVE_BATCH_WORKERS: { value: "65" },
    SLUICE_SERVE_POLL_MS: { value: "50" },
    SLUICE_DAEMON_PORT: { value: "http" },
    SLUICE_DAEMON_MAX_RUNS: { value: "0" },
    SLUICE_DAEMON_HEARTBEAT_TTL_MS: { value: "999" },
    SLUICE_DAEMON_REQUEUE_LIMIT: { value: "-1" },
    SLUICE_DAEMON_SHUTDOWN_GRACE_MS: { value: "30s" },
    SLUICE_DAEMON_POLL_MS: { value: "0" },
    SLUICE_AUTOMATION_INTERVAL_MS: { value: "5 s" },
    SLUICE_RUN_TAG_LIMITS: { value: "warehouse" },
    SLUICE_ALERT_WEBHOOK_URL: { value: "ftp://hooks.example.com" },
    SLUICE_DUCKDB_MEMORY_LIMIT: { value: "lots" },
    SLUICE_DUCKDB_THREADS: { value: "0" },
  };

/** Runs `main` in this process, capturing stdout and stderr lines. */
async function run(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...parts: unknown[]) => out.push(parts.join(" "));
  console.error = (...parts: unknown[]) => err.push(parts.join(" "));
  try {
    const code = await main(
      () => Promise.reject(new Error("the definitions must not be loaded")),
      args,
      env,
    );
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("every configuration variable has a bad value to try (or is said to take any text)", () => {
  assert.deepEqual(Object.keys(BAD_VALUES).sort(), [...CONFIG_VARIABLES].sort());
});

Deno.test("a bad value of any variable stops every command with exit 2 and one line naming it", async () => {
  assert.ok(COMMANDS.length >= 5, `read ${COMMANDS.length} commands`);
  for (const command of COMMANDS) {
    for (const [variable, bad] of Object.entries(BAD_VALUES)) {
      if (bad === null) continue;
      const result = await run([command.name], { ...bad.env, [variable]: bad.value });
      const where = `${command.name} with ${variable}=${JSON.stringify(bad.value)}`;
      assert.equal(result.code, EXIT.badInput, `${where}: ${result.stderr}`);
      assert.equal(result.stdout, "", where);
      const lines = result.stderr.split("\n");
      assert.equal(lines.length, 1, `${where}: ${result.stderr}`);
      assert.match(lines[0], new RegExp(`^error: Invalid configuration: ${variable}[=:]`), where);
      // Secrets are named, never echoed.
      if (/URL|SECRET|KEY_ID|TOKEN/.test(variable) && bad.value !== "") {
        assert.ok(!lines[0].includes(bad.value), `${where} echoed the value: ${lines[0]}`);
      }
    }
  }
});

Deno.test("a bad variable stops each command the same way as its own process (sluice.ts)", async () => {
  for (const command of COMMANDS) {
    const result = await runScript("sluice.ts", [command.name], {
      PATH: Deno.env.get("PATH") ?? "",
      SLUICE_LOG_LEVEL: "loud",
    });
    assert.equal(result.code, EXIT.badInput, `${command.name}: ${result.stderr}`);
    assert.equal(
      result.stderr,
      'error: Invalid configuration: SLUICE_LOG_LEVEL="loud": expected debug, info, warn or error\n',
      command.name,
    );
  }
});

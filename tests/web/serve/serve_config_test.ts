import assert from "node:assert/strict";
import { parseServeConfig, ServeConfigError } from "../../../web/serve/serve_config.ts";

const lines = (env: Record<string, string>): readonly string[] => {
  try {
    parseServeConfig(env);
  } catch (error) {
    if (error instanceof ServeConfigError) return error.lines;
    throw error;
  }
  return [];
};

Deno.test("parseServeConfig() fills the defaults around the model path", () => {
  assert.deepEqual(parseServeConfig({ SLUICE_SERVE_MODEL: "models/champion.json" }), {
    host: "127.0.0.1",
    port: 8000,
    modelPath: "models/champion.json",
    token: undefined,
    threads: 1,
    pollMs: 1000,
  });
  assert.deepEqual(
    parseServeConfig({
      HOST: "0.0.0.0",
      PORT: "0",
      SLUICE_SERVE_MODEL: "m.json",
      SLUICE_SERVE_TOKEN: "abcdefghijklmnop",
      SLUICE_SERVE_THREADS: "2",
      SLUICE_SERVE_POLL_MS: "250",
      PATH: "/usr/bin",
    }),
    {
      host: "0.0.0.0",
      port: 0,
      modelPath: "m.json",
      token: "abcdefghijklmnop",
      threads: 2,
      pollMs: 250,
    },
  );
});

Deno.test("parseServeConfig() names each bad variable in one line", () => {
  assert.deepEqual(lines({ SLUICE_SERVE_MODEL: "m.json", PORT: "80a" }), [
    "Cannot start serve as PORT must be an integer from 0 to 65535: current value is '80a'",
  ]);
  assert.deepEqual(lines({ SLUICE_SERVE_MODEL: "m.json", PORT: "70000" }), [
    "Cannot start serve as PORT must be an integer from 0 to 65535: current value is '70000'",
  ]);
  assert.deepEqual(lines({}), [
    "Cannot start serve as SLUICE_SERVE_MODEL must be the path of a model JSON file (its ONNX beside it as .onnx): current value is unset",
  ]);
  assert.deepEqual(lines({ SLUICE_SERVE_MODEL: "m.json", SLUICE_SERVE_THREADS: "0" }), [
    "Cannot start serve as SLUICE_SERVE_THREADS must be an integer from 1 to 64: current value is '0'",
  ]);
});

Deno.test("parseServeConfig() never prints a bad token, only its length", () => {
  assert.deepEqual(lines({ SLUICE_SERVE_MODEL: "m.json", SLUICE_SERVE_TOKEN: "hunter2" }), [
    "Cannot start serve as SLUICE_SERVE_TOKEN must be at least 16 characters without spaces, or unset to disable reload: current value is 7 characters (not shown)",
  ]);
});

// The serve process's settings from the environment, checked with zod at start-up: a wrong
// value stops the program with one line naming the variable, what it takes and what it got.
import { z } from "zod";

export interface ServeConfig {
  readonly host: string;
  readonly port: number;
  /** The TreeModel JSON file; its ONNX is the file beside it with the extension .onnx. */
  readonly modelPath: string;
  readonly token: string | undefined;
  /** onnxruntime intra-op threads per session. */
  readonly threads: number;
  /** How often the model files are checked for a change, in milliseconds. */
  readonly pollMs: number;
}

interface Variable<T> {
  readonly name: string;
  readonly expected: string;
  readonly schema: z.ZodType<T>;
  /** Never echoed in an error: only its length is. */
  readonly secret?: boolean;
}

const integer = (min: number, max: number) =>
  z.string().regex(/^\d+$/).transform(Number).pipe(z.int().min(min).max(max));

const VARIABLES = {
  host: {
    name: "HOST",
    expected: "a host name or IP address to listen on",
    schema: z.string().trim().min(1).default("127.0.0.1"),
  },
  port: {
    name: "PORT",
    expected: "an integer from 0 to 65535",
    schema: integer(0, 65535).default(8000),
  },
  modelPath: {
    name: "SLUICE_SERVE_MODEL",
    expected: "the path of a model JSON file (its ONNX beside it as .onnx)",
    schema: z.string().trim().min(1),
  },
  token: {
    name: "SLUICE_SERVE_TOKEN",
    expected: "at least 16 characters without spaces, or unset to disable reload",
    schema: z.string().regex(/^\S{16,}$/).optional(),
    secret: true,
  },
  threads: {
    name: "SLUICE_SERVE_THREADS",
    expected: "an integer from 1 to 64",
    schema: integer(1, 64).default(1),
  },
  pollMs: {
    name: "SLUICE_SERVE_POLL_MS",
    expected: "an integer from 100 to 3600000 (milliseconds)",
    schema: integer(100, 3_600_000).default(1000),
  },
} satisfies { [K in keyof ServeConfig]: Variable<ServeConfig[K]> };

/** A bad setting; `lines` has one line per bad variable. */
export class ServeConfigError extends Error {
  override readonly name = "ServeConfigError";
  constructor(readonly lines: readonly string[]) {
    super(lines.join("\n"));
  }
}

/** Reads the settings; an empty variable counts as unset. */
export function parseServeConfig(env: Readonly<Record<string, string | undefined>>): ServeConfig {
  const lines: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, variable] of Object.entries(VARIABLES)) {
    const raw = env[variable.name] === "" ? undefined : env[variable.name];
    const parsed = (variable.schema as z.ZodType).safeParse(raw);
    if (parsed.success) {
      values[key] = parsed.data;
    } else {
      const secret = "secret" in variable && variable.secret;
      const current = raw === undefined
        ? "unset"
        : secret
        ? `${raw.length} characters (not shown)`
        : `'${raw}'`;
      lines.push(
        `Cannot start serve as ${variable.name} must be ${variable.expected}: ` +
          `current value is ${current}`,
      );
    }
  }
  if (lines.length > 0) throw new ServeConfigError(lines);
  return values as unknown as ServeConfig;
}

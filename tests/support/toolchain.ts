// The programs the test services are built and run with (Java, Maven, Go): found on PATH, or
// installed from Debian's packages when we are root, or reported with what to install.

export interface CommandOutput {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to completion, capturing its output. */
export async function runCommand(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CommandOutput> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** The full path of `name` on PATH, or null. */
export async function which(name: string): Promise<string | null> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      const info = await Deno.stat(`${dir}/${name}`);
      if (info.isFile) return `${dir}/${name}`;
    } catch {
      // Not in this directory.
    }
  }
  return null;
}

/**
 * The path of `binary`, installing Debian's `debianPackage` first when it is missing and we may
 * (root). Otherwise a clear error that names the package to install.
 */
export async function requireProgram(binary: string, debianPackage: string): Promise<string> {
  const found = await which(binary);
  if (found) return found;
  if (Deno.uid() !== 0) {
    throw new Error(
      `${binary} not found: install it (\`sudo apt-get install -y ${debianPackage}\`)`,
    );
  }
  console.error(`toolchain: ${binary} not found; installing ${debianPackage} with apt-get …`);
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", debianPackage]]) {
    const status = await new Deno.Command("apt-get", {
      args,
      env: { DEBIAN_FRONTEND: "noninteractive" },
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn().status;
    if (!status.success) {
      throw new Error(
        `apt-get ${args.join(" ")} failed (exit ${status.code}); install ${debianPackage}`,
      );
    }
  }
  const installed = await which(binary);
  if (!installed) {
    throw new Error(`apt-get installed ${debianPackage} but ${binary} is not on PATH`);
  }
  return installed;
}

/** Where built service binaries and jars are kept between runs (not in the clone: CI clones fresh). */
export function serviceCacheDir(): string {
  const base = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "/tmp"}/.cache`;
  return `${base}/sluice-test-services`;
}

/** Resolves once something accepts TCP connections on `port`, or throws after `timeoutMs`. */
export async function waitForPort(
  port: number,
  timeoutMs: number,
  isAlive: () => boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error("the process exited before it listened");
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs / 1000}s`);
}

/** The last lines of a log file, for an error message. */
export async function logTail(path: string, lines = 20): Promise<string> {
  try {
    return (await Deno.readTextFile(path)).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Starts a long-running server in its own process group, its output appended to `logFile`. */
export function spawnServer(
  cmd: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; logFile: string },
): Deno.ChildProcess {
  const quoted = [cmd, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  const child = new Deno.Command("sh", {
    args: ["-c", `exec ${quoted} >> '${options.logFile}' 2>&1`],
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
  }).spawn();
  return child;
}

/**
 * Sends `signal` to `pid`, then waits up to `timeoutMs` for it to exit, killing it after. Works
 * across processes (the CLI's `stop` has only the pid of what `start` left running).
 */
export async function stopPid(
  pid: number,
  signal: Deno.Signal = "SIGTERM",
  timeoutMs = 20_000,
): Promise<void> {
  try {
    Deno.kill(pid, signal);
  } catch {
    return; // Already gone.
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (isAlive(pid)) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // Exited meanwhile.
    }
  }
}

/** Whether `pid` is a live process (a zombie counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

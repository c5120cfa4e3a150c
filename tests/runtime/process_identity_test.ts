import assert from "node:assert/strict";
import {
  currentProcess,
  describeProcess,
  probeProcess,
  processIdentityOf,
} from "../../runtime/process_identity.ts";

const onLinux = Deno.build.os === "linux";

function sleeper(): Deno.ChildProcess {
  return new Deno.Command("sleep", { args: ["60"], stdout: "null", stderr: "null" }).spawn();
}

/** The state letter of /proc/<pid>/stat, or undefined once the pid is free. */
function procState(pid: number): string | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return undefined;
  }
}

Deno.test({
  name: "currentProcess() names this process with its start time and pid scope on Linux",
  ignore: !onLinux,
  fn() {
    const me = currentProcess();
    assert.equal(me.pid, Deno.pid);
    assert.equal(me.host, Deno.hostname());
    assert.match(me.start!, /^\d+$/);
    assert.match(me.scope!, /^[0-9a-f-]{36}\/pid:\[\d+\]$/);
    assert.equal(probeProcess(me), "alive");
    assert.equal(describeProcess(me), `${Deno.hostname()}:${Deno.pid}`);
  },
});

Deno.test({
  name: "probeProcess() sees a killed process as gone once it has exited",
  ignore: !onLinux,
  async fn() {
    const child = sleeper();
    const identity = processIdentityOf(child.pid)!;
    assert.equal(probeProcess(identity), "alive");
    child.kill("SIGKILL");
    await child.status;
    assert.equal(probeProcess(identity), "gone");
  },
});

Deno.test({
  name: "probeProcess() sees a killed but not yet reaped process (a zombie) as gone",
  ignore: !onLinux,
  async fn() {
    const child = sleeper();
    const identity = processIdentityOf(child.pid)!;
    child.kill("SIGKILL");
    // Until Deno reaps it, the pid is a zombie whose /proc entry still exists: wait for the
    // kernel to deliver the signal, then probe.
    const dead = new Set(["Z", "X", undefined]);
    while (!dead.has(procState(child.pid))) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(probeProcess(identity), "gone");
    await child.status;
  },
});

Deno.test({
  name: "probeProcess() takes a pid that now belongs to another process (reuse) for gone",
  ignore: !onLinux,
  async fn() {
    const child = sleeper();
    try {
      const identity = processIdentityOf(child.pid)!;
      const earlier = String(BigInt(identity.start!) - 1n);
      assert.equal(probeProcess({ ...identity, start: earlier }), "gone");
      assert.equal(probeProcess({ ...currentProcess(), start: earlier }), "gone");
    } finally {
      child.kill("SIGKILL");
      await child.status;
    }
  },
});

Deno.test("probeProcess() cannot tell for another machine, pid namespace or a missing stamp", () => {
  const me = currentProcess();
  const dead = 2 ** 22 + 17; // above the kernel's pid limit: never a live pid
  assert.equal(probeProcess({ ...me, pid: dead, scope: "other-boot/pid:[1]" }), "unknown");
  assert.equal(probeProcess({ ...me, pid: dead, host: "elsewhere" }), "unknown");
  assert.equal(probeProcess({ ...me, pid: dead, start: undefined }), "unknown");
  assert.equal(probeProcess({ host: me.host, pid: dead, start: "1", scope: undefined }), "unknown");
  if (onLinux) assert.equal(probeProcess({ ...me, pid: dead }), "gone");
});

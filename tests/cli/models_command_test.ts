// `sluice models` end to end on the embedded store: the listing with the champion marked (table
// and JSON), one version in detail with what it learned from, promotion and rollback, and exit
// code 2 for an unknown version, an untrained one or an unknown action.
import assert from "node:assert/strict";

const APP = new URL("./fixtures/model_app.ts", import.meta.url).pathname;

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function sluice(home: string, args: string[]): Promise<Result> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", APP, ...args],
    env: { SLUICE_HOME: home, NO_COLOR: "1", SLUICE_LOG_LEVEL: "warn" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

interface VersionJson {
  version: string;
  partition: string;
  champion: boolean;
  trained: boolean;
  metrics: { rocAuc: number } | null;
  rulesBaseline: { rocAuc: number } | null;
}

Deno.test("models lists versions with the champion marked, shows one, promotes and rolls back", async () => {
  const home = await Deno.makeTempDir({ prefix: "sluice-models-" });
  try {
    const built = await sluice(home, ["materialize"]);
    assert.equal(built.code, 0, built.stderr);

    const json = await sluice(home, ["models", "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const versions = JSON.parse(json.stdout) as VersionJson[];
    assert.deepEqual(versions.map((v) => v.partition), [
      "2026-03-06",
      "2026-03-05",
      "2026-03-04",
      "2026-03-03",
      "2026-03-02",
    ]);
    // The first day has no training days before its validation day: no model.
    assert.deepEqual(versions.map((v) => v.trained), [true, true, true, true, false]);
    const champions = versions.filter((v) => v.champion);
    assert.equal(champions.length, 1);
    // Each version only replaces a champion trained for an earlier day, so the newest wins.
    assert.equal(champions[0].partition, "2026-03-06");
    assert.ok(versions[0].metrics!.rocAuc > versions[0].rulesBaseline!.rocAuc);

    const table = await sluice(home, ["models"]);
    assert.equal(table.code, 0);
    const lines = table.stdout.trim().split("\n");
    assert.match(
      lines[0],
      /^VERSION\s+DAY\s+ROWS\s+ROC-AUC\s+PR-AUC\s+PRECISION\s+RECALL\s+RULES AUC\s+GATES$/,
    );
    assert.match(
      lines[1],
      new RegExp(
        `^${versions[0].version}\\s+2026-03-06\\s+6,000\\s+0\\.\\d{4}.*passed\\s+\\* champion$`,
      ),
    );
    assert.match(lines[5], /^\w{8}\s+2026-03-02\s+0\s+-\s+-\s+-\s+-\s+0\.\d{4}\s+not trained$/);

    const show = await sluice(home, ["models", "show", versions[1].version]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(
      show.stdout,
      /Trained on 4,500 orders \(\d+ fraud\) of 3 days 2026-03-01\.\.2026-03-03; validated on 2026-03-04/,
    );
    assert.match(show.stdout, /ROC-AUC\s+0\.\d{4}\s+0\.\d{4}/);
    assert.match(show.stdout, /auc_vs_champion\s+passed/);
    assert.match(
      show.stdout,
      /Learned from \(partition, data version\):\n {2}gold\.fraud_alerts 2026-03-04 \w+/,
    );
    for (const day of ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]) {
      assert.match(show.stdout, new RegExp(`  silver\\.orders_enriched ${day} \\w+`));
    }

    const promoted = await sluice(home, [
      "models",
      "promote",
      versions[1].version,
      "--reason",
      "audit",
    ]);
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.equal(
      promoted.stdout.split("\n")[0],
      `champion of models.fraud_detector is now ${versions[1].version} (2026-03-05), was ${
        versions[0].version
      }: audit.`,
    );
    const rolled = await sluice(home, ["models", "rollback"]);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.match(
      rolled.stdout,
      new RegExp(
        `is now ${versions[0].version} \\(2026-03-06\\), was ${
          versions[1].version
        }: rollback from ${versions[1].version}\\.`,
      ),
    );
    const history = JSON.parse((await sluice(home, ["models", "history", "--json"])).stdout);
    assert.deepEqual(history.slice(0, 2).map((m: { reason: string }) => m.reason), [
      `rollback from ${versions[1].version}`,
      "audit",
    ]);
    for (
      const [args, message] of [
        [["models", "show", "ffff"], /^error: No version 'ffff' of models\.fraud_detector/],
        [["models", "promote", versions[4].version], /no model was trained/],
        [["models", "promote"], /'models promote' takes a VERSION/],
        [["models", "frobnicate"], /^error: Unknown models action 'frobnicate'/],
      ] as const
    ) {
      const refused = await sluice(home, [...args]);
      assert.equal(refused.code, 2, `${args.join(" ")}: ${refused.stderr}`);
      assert.match(refused.stderr, message);
      assert.equal(refused.stderr.trim().split("\n").length, 1);
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

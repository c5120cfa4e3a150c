// The local landing zone the generator appends to: batch files per topic and partition, each
// with a manifest naming its offsets and event days. Bronze reads it; sources observe it.
import { createHash } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";
import { SluiceError } from "../../runtime/errors.ts";

const ManifestSchema = z.object({
  topic: z.string(),
  partition: z.int().min(0),
  start_offset: z.int().min(0),
  count: z.int().min(0),
  event_dates: z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.int().min(0)),
  bytes: z.int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** One landed batch file, as its manifest describes it. */
export interface LandingBatch {
  readonly file: string;
  readonly name: string;
  readonly topic: string;
  readonly partition: number;
  readonly startOffset: number;
  readonly count: number;
  /** Lines per UTC event day. */
  readonly eventDates: Readonly<Record<string, number>>;
  readonly sha256: string;
  /** When the file landed: bronze's `_ingested_at`, stable across re-runs. */
  readonly landedAtMs: number;
}

/** A landing file or manifest that cannot be trusted; names the file and what to do. */
export class LandingError extends SluiceError {
  override name = "LandingError";
}

export class LandingZone {
  constructor(readonly root: string) {}

  /** Every batch of `topic` whose manifest is written, by partition and offset. */
  async batches(topic: string): Promise<LandingBatch[]> {
    const batches: LandingBatch[] = [];
    for (const partitionDir of await listDir(join(this.root, topic))) {
      if (!/^\d+$/.test(partitionDir)) continue;
      const dir = join(this.root, topic, partitionDir);
      const names = new Set(await listDir(dir));
      for (const name of names) {
        // A batch without its manifest is still being written: it lands on a later run.
        if (!name.endsWith(".ndjson") || !names.has(`${name}.json`)) continue;
        batches.push(await readBatch(join(dir, name), topic, Number(partitionDir)));
      }
    }
    return batches.sort((a, b) => a.partition - b.partition || a.startOffset - b.startOffset);
  }

  /** The batches of `topic` holding lines of `day`. */
  async batchesOfDay(topic: string, day: string): Promise<LandingBatch[]> {
    return (await this.batches(topic)).filter((batch) => (batch.eventDates[day] ?? 0) > 0);
  }

  /** Per event day of `topic`, a digest of the batch files holding it: its source version. */
  async dayDigests(topic: string): Promise<Map<string, string>> {
    const byDay = new Map<string, string[]>();
    for (const batch of await this.batches(topic)) {
      for (const [day, lines] of Object.entries(batch.eventDates)) {
        if (lines === 0) continue;
        let parts = byDay.get(day);
        if (!parts) byDay.set(day, parts = []);
        parts.push(`${batch.partition}/${batch.name}:${batch.sha256}`);
      }
    }
    const digests = new Map<string, string>();
    for (const [day, parts] of [...byDay].sort(([a], [b]) => a < b ? -1 : 1)) {
      digests.set(day, createHash("sha256").update(parts.sort().join("\n")).digest("hex"));
    }
    return digests;
  }

  /** Whether no batch file has landed for any of `topics`. */
  async isEmpty(topics: readonly string[]): Promise<boolean> {
    for (const topic of topics) {
      if ((await this.batches(topic)).length > 0) return false;
    }
    return true;
  }
}

async function readBatch(file: string, topic: string, partition: number): Promise<LandingBatch> {
  let manifest;
  try {
    manifest = ManifestSchema.parse(JSON.parse(await Deno.readTextFile(`${file}.json`)));
  } catch (error) {
    const detail = error instanceof z.ZodError
      ? error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")
      : (error as Error).message;
    throw new LandingError(
      `Cannot read the manifest ${file}.json: ${detail}; remove the batch or regenerate it`,
    );
  }
  if (manifest.topic !== topic || manifest.partition !== partition) {
    throw new LandingError(
      `Manifest ${file}.json names ${manifest.topic}/${manifest.partition} but lies in ` +
        `${topic}/${partition}; move the file back where it was written`,
    );
  }
  const stat = await Deno.stat(file);
  if (stat.size !== manifest.bytes) {
    throw new LandingError(
      `Landing file ${file} has ${stat.size} bytes but its manifest says ${manifest.bytes}; ` +
        `it was truncated or changed after landing: restore it or remove it with its manifest`,
    );
  }
  return {
    file,
    name: file.slice(file.lastIndexOf("/") + 1),
    topic,
    partition,
    startOffset: manifest.start_offset,
    count: manifest.count,
    eventDates: manifest.event_dates,
    sha256: manifest.sha256,
    landedAtMs: Math.floor((stat.mtime ?? new Date(0)).getTime() / 1000) * 1000,
  };
}

async function listDir(dir: string): Promise<string[]> {
  try {
    const names: string[] = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    return names;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

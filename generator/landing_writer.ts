// Appends NDJSON batch files to the local landing zone the way a Kafka topic grows: per
// topic-partition offsets continue from what is there, files appear atomically and are never
// rewritten, and each has a manifest a bronze ingester can trust without reading it.
import { createHash } from "node:crypto";
import { type Topic, TOPICS } from "../contracts/events/mod.ts";
import { LandingError } from "./errors.ts";

export const PARTITIONS = 6;
export const DEFAULT_BATCH_SIZE = 10_000;
const OFFSET_DIGITS = 20;

/** The sidecar `<file>.json` of every batch file. */
export interface BatchManifest {
  readonly topic: Topic;
  readonly partition: number;
  readonly start_offset: number;
  readonly count: number;
  /** Lines per UTC date of their record timestamp (for malformed lines, that of the event they replace). */
  readonly event_dates: Readonly<Record<string, number>>;
  readonly bytes: number;
  readonly sha256: string;
}

export interface TopicFiles {
  files: number;
  bytes: number;
}

interface PartitionBuffer {
  nextOffset: number;
  lines: string[];
  dates: Map<string, number>;
}

const encoder = new TextEncoder();

/** The batch file name for a start offset: zero-padded so names sort like offsets. */
export function batchFileName(startOffset: number): string {
  return `${String(startOffset).padStart(OFFSET_DIGITS, "0")}.ndjson`;
}

export class LandingWriter {
  readonly #root: string;
  readonly #batchSize: number;
  readonly #buffers = new Map<string, PartitionBuffer>();
  readonly #written = new Map<Topic, TopicFiles>();

  private constructor(root: string, batchSize: number) {
    this.#root = root;
    this.#batchSize = batchSize;
    for (const topic of TOPICS) this.#written.set(topic, { files: 0, bytes: 0 });
  }

  /** Opens `root` for appending, reading where each topic-partition's offsets stand. */
  static open(root: string, batchSize = DEFAULT_BATCH_SIZE): LandingWriter {
    const writer = new LandingWriter(root, batchSize);
    for (const topic of TOPICS) {
      for (let partition = 0; partition < PARTITIONS; partition++) {
        writer.#buffers.set(`${topic}/${partition}`, {
          nextOffset: nextOffsetIn(`${root}/${topic}/${partition}`),
          lines: [],
          dates: new Map(),
        });
      }
    }
    return writer;
  }

  /** Buffers one line; writes a batch file when the partition's buffer is full. */
  append(topic: Topic, partition: number, line: string, eventDate: string): void {
    const buffer = this.#buffers.get(`${topic}/${partition}`)!;
    buffer.lines.push(line);
    buffer.dates.set(eventDate, (buffer.dates.get(eventDate) ?? 0) + 1);
    if (buffer.lines.length >= this.#batchSize) this.#flush(topic, partition, buffer);
  }

  /** Writes every partly filled buffer and returns files and bytes written per topic. */
  close(): ReadonlyMap<Topic, TopicFiles> {
    for (const [name, buffer] of this.#buffers) {
      if (buffer.lines.length === 0) continue;
      const [topic, partition] = name.split("/");
      this.#flush(topic as Topic, Number(partition), buffer);
    }
    return this.#written;
  }

  // One reused buffer instead of a fresh multi-megabyte array per batch: V8 collects external
  // memory lazily, and fresh arrays alone took resident memory past a gigabyte on a full day.
  #scratch = new Uint8Array(16 * 1024 * 1024);

  #encode(text: string): Uint8Array {
    // UTF-8 needs at most three bytes per UTF-16 code unit.
    if (this.#scratch.length < text.length * 3) this.#scratch = new Uint8Array(text.length * 3);
    const { written } = encoder.encodeInto(text, this.#scratch);
    return this.#scratch.subarray(0, written);
  }

  #flush(topic: Topic, partition: number, buffer: PartitionBuffer): void {
    const dir = `${this.#root}/${topic}/${partition}`;
    Deno.mkdirSync(dir, { recursive: true });
    const bytes = this.#encode(buffer.lines.join("\n") + "\n");
    const name = batchFileName(buffer.nextOffset);
    const manifest: BatchManifest = {
      topic,
      partition,
      start_offset: buffer.nextOffset,
      count: buffer.lines.length,
      event_dates: Object.fromEntries([...buffer.dates].sort(([a], [b]) => a.localeCompare(b))),
      bytes: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    };
    publish(`${dir}/${name}`, bytes);
    publish(`${dir}/${name}.json`, encoder.encode(JSON.stringify(manifest, null, 2) + "\n"));
    const written = this.#written.get(topic)!;
    written.files++;
    written.bytes += bytes.length;
    buffer.nextOffset += buffer.lines.length;
    buffer.lines = [];
    buffer.dates = new Map();
  }
}

/**
 * Makes `bytes` appear at `path` all at once and only if nothing is there: written under a
 * temporary name, then hard-linked (which, unlike rename, refuses to replace a file).
 */
function publish(path: string, bytes: Uint8Array): void {
  const temp = `${path}.${Deno.pid}.tmp`;
  Deno.writeFileSync(temp, bytes);
  try {
    Deno.linkSync(temp, path);
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new LandingError(
        `Cannot write '${path}': it already exists, so another generator is appending to this ` +
          `landing zone; run one generator per landing zone at a time`,
      );
    }
    throw error;
  } finally {
    Deno.removeSync(temp);
  }
}

/** The first free offset of a partition directory: the end of its furthest batch file. */
export function nextOffsetIn(dir: string): number {
  let next = 0;
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
  for (const entry of entries) {
    if (!entry.isFile || !/^\d+\.ndjson$/.test(entry.name)) continue;
    const start = Number(entry.name.slice(0, -".ndjson".length));
    next = Math.max(next, start + countLines(dir, entry.name));
  }
  return next;
}

function countLines(dir: string, name: string): number {
  try {
    const manifest = JSON.parse(Deno.readTextFileSync(`${dir}/${name}.json`)) as BatchManifest;
    if (Number.isInteger(manifest.count)) return manifest.count;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound) && !(error instanceof SyntaxError)) throw error;
  }
  // A batch whose manifest is missing (the writer died between the two) is counted by hand.
  const bytes = Deno.readFileSync(`${dir}/${name}`);
  let lines = 0;
  for (const byte of bytes) if (byte === 10) lines++;
  return lines;
}

// Test helpers: run the generator into a temporary landing zone and read it back line by line.
import { type Topic, TOPICS, validateEvent } from "../../contracts/events/mod.ts";
import type { BatchManifest } from "../../generator/landing_writer.ts";
import { type GeneratorOptions } from "../../generator/options.ts";
import { type GenerationReport, runGenerator } from "../../generator/run.ts";

export const TEST_START = Date.UTC(2026, 0, 5);

export function testOptions(
  landing: string,
  overrides: Partial<GeneratorOptions> = {},
): GeneratorOptions {
  return {
    seed: 7,
    events: 5_000,
    days: 1,
    start: TEST_START,
    fraudRate: 0.03,
    malformedRate: 0.001,
    landing,
    batchSize: 1_000,
    ...overrides,
  };
}

export function generateInto(
  landing: string,
  overrides: Partial<GeneratorOptions> = {},
): GenerationReport {
  return runGenerator(testOptions(landing, overrides));
}

export interface LandedBatch {
  readonly path: string;
  readonly topic: Topic;
  readonly partition: number;
  readonly bytes: Uint8Array;
  readonly manifest: BatchManifest;
}

export interface LandedLine {
  readonly topic: Topic;
  readonly partition: number;
  readonly offset: number;
  readonly raw: string;
}

/** Every batch file of the landing zone with its manifest, in topic, partition, offset order. */
export function readBatches(landing: string): LandedBatch[] {
  const batches: LandedBatch[] = [];
  for (const topic of TOPICS) {
    for (let partition = 0; partition < 6; partition++) {
      const dir = `${landing}/${topic}/${partition}`;
      let names: string[];
      try {
        names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".ndjson"));
      } catch {
        continue;
      }
      for (const name of names.sort()) {
        const path = `${dir}/${name}`;
        batches.push({
          path,
          topic,
          partition,
          bytes: Deno.readFileSync(path),
          manifest: JSON.parse(Deno.readTextFileSync(`${path}.json`)),
        });
      }
    }
  }
  return batches;
}

export function readLines(landing: string): LandedLine[] {
  const lines: LandedLine[] = [];
  for (const batch of readBatches(landing)) {
    const text = new TextDecoder().decode(batch.bytes);
    text.slice(0, -1).split("\n").forEach((raw, i) => {
      lines.push({
        topic: batch.topic,
        partition: batch.partition,
        offset: batch.manifest.start_offset + i,
        raw,
      });
    });
  }
  return lines;
}

/** The well-formed events of one topic, parsed through the contract. */
export function validEvents<T extends Topic>(lines: readonly LandedLine[], topic: T) {
  return lines.filter((line) => line.topic === topic).flatMap((line) => {
    const result = validateEvent(topic, line.raw);
    return result.ok ? [result.event] : [];
  });
}

export function tempLanding(): string {
  return Deno.makeTempDirSync({ prefix: "sluice_landing_" });
}

// Renders a generation report as the lines the CLI prints: one per topic, then the total.
import type { GenerationReport } from "./run.ts";

const number = new Intl.NumberFormat("en-US");

export function formatReport(report: GenerationReport): string[] {
  const lines: string[] = [];
  const first = new Date(report.options.start).toISOString().slice(0, 10);
  lines.push(
    `Generated ${report.options.days} day(s) from ${first}, seed ${report.options.seed}, into ${report.options.landing}`,
  );
  for (const topic of report.topics) {
    let line = `  ${topic.topic.padEnd(11)} ${number.format(topic.events).padStart(11)} events` +
      `  ${number.format(topic.malformed).padStart(7)} malformed  ${
        String(topic.files).padStart(4)
      } files` +
      `  ${megabytes(topic.bytes).padStart(9)}`;
    if (topic.topic === "orders") {
      const rate = report.orders === 0 ? 0 : (100 * report.fraudOrders) / report.orders;
      line += `  ${number.format(report.fraudOrders)} labelled fraud (${rate.toFixed(2)}%, ${
        number.format(report.mislabelled)
      } labels noisy)`;
    }
    lines.push(line);
  }
  const seconds = report.elapsedMs / 1000;
  lines.push(
    `  total       ${number.format(report.events).padStart(11)} events  ${
      number.format(report.malformed).padStart(7)
    } malformed  ${String(report.files).padStart(4)} files  ${
      megabytes(report.bytes).padStart(9)
    }` +
      `  in ${seconds.toFixed(1)} s (${
        number.format(Math.round(report.events / seconds))
      } events/s)`,
  );
  return lines;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MiB`;
}

// `sluice generate`: the synthetic event source. Writes seeded events to the landing zone, or
// with --kafka produces them to the six topics; prints the summary.
import { loadKafkaCommandConfig } from "../resources/config.ts";
import { formatKafkaReport, produceToKafka } from "../generator/kafka_run.ts";
import { type GeneratorOptions, parseGeneratorArgs, USAGE } from "../generator/options.ts";
import { runGenerator } from "../generator/run.ts";
import { formatReport } from "../generator/summary.ts";
import type { Clock } from "../runtime/clock.ts";
import type { Command } from "./command.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";

async function runGenerate(
  env: Readonly<Record<string, string | undefined>>,
  args: string[],
  clock: Clock,
): Promise<ExitCode> {
  // The default start (yesterday) is the day before the command's clock, SLUICE_NOW's if set.
  const options = parseGeneratorArgs(args, { SLUICE_HOME: env.SLUICE_HOME }, clock.now());
  if (!options) {
    console.log(USAGE);
    return EXIT.ok;
  }
  if (options.kafka) return await generateToKafka(env, options);
  console.log(formatReport(runGenerator(options)).join("\n"));
  return EXIT.ok;
}

async function generateToKafka(
  env: Readonly<Record<string, string | undefined>>,
  options: GeneratorOptions,
): Promise<ExitCode> {
  const config = loadKafkaCommandConfig(env, "use --kafka");
  const report = await produceToKafka(options, config.kafka);
  console.log(formatKafkaReport(report, config.kafka.brokers).join("\n"));
  return EXIT.ok;
}

export const generateCommand: Command = {
  name: "generate",
  summary: "generate seeded synthetic events into the landing zone or Kafka",
  usage: USAGE,
  run: (context, args) => runGenerate(context.env, args, context.clock),
};

// `deno task generate`: parse flags, run the generator, print the summary; a bad flag prints
// one line and exits with status 2.
import { loadKafkaCommandConfig } from "../resources/config.ts";
import { ConfigError, errorMessage } from "../runtime/errors.ts";
import { FlagError } from "./errors.ts";
import { formatKafkaReport, produceToKafka } from "./kafka_run.ts";
import { type GeneratorOptions, parseGeneratorArgs, USAGE } from "./options.ts";
import { runGenerator } from "./run.ts";
import { formatReport } from "./summary.ts";

async function main(args: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseGeneratorArgs(args, { SLUICE_HOME: Deno.env.get("SLUICE_HOME") });
  } catch (error) {
    if (error instanceof FlagError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  try {
    if (options.kafka) return await generateToKafka(options);
    console.log(formatReport(runGenerator(options)).join("\n"));
    return 0;
  } catch (error) {
    console.error(`Generation failed: ${errorMessage(error)}`);
    return 1;
  }
}

async function generateToKafka(options: GeneratorOptions): Promise<number> {
  let config;
  try {
    config = loadKafkaCommandConfig(Deno.env.toObject(), "use --kafka");
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return 2;
  }
  const report = await produceToKafka(options, config.kafka);
  console.log(formatKafkaReport(report, config.kafka.brokers).join("\n"));
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

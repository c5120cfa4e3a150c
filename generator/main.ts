// `deno task generate`: parse flags, run the generator, print the summary; a bad flag prints
// one line and exits with status 2.
import { errorMessage } from "../runtime/errors.ts";
import { FlagError } from "./errors.ts";
import { parseGeneratorArgs, USAGE } from "./options.ts";
import { runGenerator } from "./run.ts";
import { formatReport } from "./summary.ts";

function main(args: readonly string[]): number {
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
    console.log(formatReport(runGenerator(options)).join("\n"));
    return 0;
  } catch (error) {
    console.error(`Generation failed: ${errorMessage(error)}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(main(Deno.args));

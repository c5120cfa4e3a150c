// Sluice's one command-line entry point (`deno task <command>` runs `sluice.ts <command>`):
// hands the application's asset definitions to the CLI's composition root.
import { loadDefinitions } from "./assets/definitions.ts";
import { main } from "./cli/main.ts";

Deno.exit(await main(loadDefinitions, Deno.args));
